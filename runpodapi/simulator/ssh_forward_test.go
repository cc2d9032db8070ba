package simulator

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestSSHDirectTCPIP(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	p := runningPod(t, sim, clock, sshPodRequest(key, nil, "8888/http", "6006/tcp"))
	c := mustDial(t, sim, p, key)
	for _, tc := range []struct {
		addr string
		port int // 0: refused
	}{
		{"127.0.0.1:6006", 6006},
		{"localhost:8888", 8888},
		{"[::1]:6006", 6006},
		{"127.0.0.1:9999", 0},
		{"10.0.0.1:6006", 0},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			conn, err := c.Dial("tcp", tc.addr)
			if tc.port == 0 {
				if err == nil {
					_ = conn.Close()
					t.Fatal("the forward was accepted")
				}
				if !strings.Contains(err.Error(), "connect failed") {
					t.Fatalf("error %v, want the channel rejected with ConnectionFailed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			want := fmt.Sprintf("runpod-simulator: pod %s port %d\n", p.ID, tc.port)
			for i := range 2 { // keep-alive: two requests on one connection
				if _, err := fmt.Fprintf(conn, "GET /metrics?n=%d HTTP/1.1\r\nHost: localhost\r\n\r\n", i); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != want {
					t.Fatalf("response %d %q, want 200 %q", resp.StatusCode, body, want)
				}
			}
		})
	}
	t.Run("port 22 reaches sshd", func(t *testing.T) {
		conn, err := c.Dial("tcp", "127.0.0.1:22")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if banner, _ := bufio.NewReader(conn).ReadString('\n'); !strings.HasPrefix(banner, "SSH-2.0-runpod-simulator") {
			t.Fatalf("banner %q", banner)
		}
	})
}
