package simulator

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
)

// directTCPIPMsg is the extra data of a direct-tcpip channel (RFC 4254 §7.2).
type directTCPIPMsg struct {
	Host     string
	Port     uint32
	OrigHost string
	OrigPort uint32
}

// forwardPorts are the TCP ports a container with these ports serves on its
// loopback besides sshd: every /tcp and /http port but 22.
func forwardPorts(ports []string) []int {
	var out []int
	for _, spec := range ports {
		if port, _, ok := parsePort(spec); ok && port != 22 && !slices.Contains(out, port) {
			out = append(out, port)
		}
	}
	return out
}

// forward serves a direct-tcpip channel (ssh -L, kubectl port-forward over
// SSH): to the pod's loopback only, port 22 reaching its sshd and every
// other declared port the pod's HTTP server; anything else is refused.
func (sh *podShell) forward(nc ssh.NewChannel) {
	var m directTCPIPMsg
	if err := ssh.Unmarshal(nc.ExtraData(), &m); err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "malformed direct-tcpip request")
		return
	}
	port := int(m.Port)
	switch {
	case !isLoopbackHost(m.Host):
		_ = nc.Reject(ssh.ConnectionFailed, fmt.Sprintf("connect to %s port %d failed: only the pod's loopback is simulated", m.Host, port))
	case port == 22:
		sh.forwardToSSHD(nc)
	case slices.Contains(sh.ports, port):
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs)
		defer ch.Close()
		serveHTTPPort(ch, sh.podID, port)
	default:
		_ = nc.Reject(ssh.ConnectionFailed, fmt.Sprintf("connect to %s port %d failed: Connection refused", m.Host, port))
	}
}

func isLoopbackHost(host string) bool {
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// forwardToSSHD joins the channel to a new connection to the pod's sshd.
func (sh *podShell) forwardToSSHD(nc ssh.NewChannel) {
	c, err := net.Dial("tcp", sh.sshAddr)
	if err != nil {
		_ = nc.Reject(ssh.ConnectionFailed, "connect to port 22 failed: Connection refused")
		return
	}
	defer c.Close()
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	defer ch.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(c, ch)
		_ = c.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(ch, c)
	_ = ch.CloseWrite()
	<-done
}

// serveHTTPPort is the server behind every declared port of a pod: HTTP/1.1
// with keep-alive, 200 "runpod-simulator: pod <id> port <port>\n" to any
// request, until the client closes.
func serveHTTPPort(conn io.ReadWriter, podID string, port int) {
	body := "runpod-simulator: pod " + podID + " port " + strconv.Itoa(port) + "\n"
	br := bufio.NewReader(conn)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
		resp := &http.Response{
			StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: req,
			Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body)),
			Close: req.Close,
		}
		if resp.Write(conn) != nil || req.Close {
			return
		}
	}
}
