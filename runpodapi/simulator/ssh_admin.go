package simulator

import (
	"net/http"
	"strings"

	"golang.org/x/crypto/ssh"
)

// SSHInfoJSON is GET /_sim/pods/{id}/ssh: where the pod's sshd listens, the
// host key it presents (authorized_keys form) and the terminal sizes its
// sessions asked for.
type SSHInfoJSON struct {
	Host        string       `json:"host"`
	Port        int          `json:"port"`
	Username    string       `json:"username"`
	HostKey     string       `json:"hostKey"`
	WindowSizes []WindowSize `json:"windowSizes"`
}

// adminSSH answers GET /_sim/pods/{id}/ssh, 404 while the pod serves no SSH.
func (s *Simulator) adminSSH(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	host, port, ok := s.SSHEndpoint(id)
	if !ok {
		writeProblem(w, problemf(http.StatusNotFound, "pod %s serves no SSH now (it needs 22/tcp and status RUNNING)", id))
		return
	}
	sizes := s.WindowSizes(id)
	if sizes == nil {
		sizes = []WindowSize{}
	}
	writeJSON(w, http.StatusOK, SSHInfoJSON{
		Host: host, Port: port, Username: sshUser, WindowSizes: sizes,
		HostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.SSHHostKey()))),
	})
}
