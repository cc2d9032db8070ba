package simulator

import "net/http/httptest"

// Server is a Simulator behind a real HTTP server on 127.0.0.1, like
// httptest.Server; URL is its base URL ("http://127.0.0.1:port").
type Server struct {
	*Simulator
	URL string
	ts  *httptest.Server
}

// NewServer starts a simulator on a free loopback port.
func NewServer(opts Options) *Server {
	sim := New(opts)
	ts := httptest.NewServer(sim)
	return &Server{Simulator: sim, URL: ts.URL, ts: ts}
}

// Close ends the log streams, then shuts the HTTP server down.
func (s *Server) Close() {
	s.Simulator.Close()
	s.ts.Close()
}
