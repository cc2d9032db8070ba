package simulator

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(command) bool
	}{
		{"defaults", nil, nil, "", func(c command) bool {
			return c.listen == "127.0.0.1:8999" && c.opts.Quota == (Quota{60, 3000, 50000}) && c.opts.ProvisioningDelay == 2*time.Second
		}},
		{"env", nil, map[string]string{"SIM_LISTEN": ":0", "SIM_SEED": "7", "SIM_QUOTA_MINUTE": "5", "SIM_ERROR_RATE": "0.5", "SIM_RATE_LIMIT_STORM": "true", "SIM_CREATE_THEN_500": "2", "SIM_LOG_INTERVAL": "250ms"}, "", func(c command) bool {
			return c.listen == ":0" && c.opts.Seed == 7 && c.opts.Quota.Minute == 5 && c.faults.ErrorRate == 0.5 && c.faults.RateLimitStorm && c.faults.CreateThen500 == 2 && c.opts.LogInterval == 250*time.Millisecond
		}},
		{"flags win", []string{"--seed=9", "--latency=10ms", "--reset-rate", "0.1", "--starting-delay=1s"}, map[string]string{"SIM_SEED": "7"}, "", func(c command) bool {
			return c.opts.Seed == 9 && c.faults.Latency == 10*time.Millisecond && c.faults.ResetRate == 0.1 && c.opts.StartingDelay == time.Second
		}},
		{"no key", nil, map[string]string{"RUNPOD_API_KEY": ""}, "RUNPOD_API_KEY is required", nil},
		{"bad env", nil, map[string]string{"SIM_QUOTA_HOUR": "lots"}, "SIM_QUOTA_HOUR", nil},
		{"bad flag", []string{"--nope"}, nil, "flag provided but not defined", nil},
		{"stray argument", []string{"extra"}, nil, "unexpected arguments", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"RUNPOD_API_KEY": testKey}
			for k, v := range tc.env {
				env[k] = v
			}
			c, err := parseCommand(tc.args, func(k string) string { return env[k] }, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) || c.opts.APIKey != testKey {
				t.Fatalf("command = %+v, err %v", c, err)
			}
		})
	}
}

func TestMainServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderrR, stderrW := io.Pipe()
	env := map[string]string{"RUNPOD_API_KEY": testKey}
	done := make(chan error, 1)
	go func() {
		done <- Main(ctx, []string{"--listen", "127.0.0.1:0"}, func(k string) string { return env[k] }, stderrW)
		stderrW.Close()
	}()
	line, err := bufio.NewReader(stderrR).ReadString('\n')
	if err != nil {
		t.Fatalf("read start line: %v", err)
	}
	go io.Copy(io.Discard, stderrR)
	if strings.Contains(line, testKey) {
		t.Fatalf("start line leaks the key: %q", line)
	}
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if url == "" || strings.HasSuffix(url, ":0") {
		t.Fatalf("start line %q does not name the real address", line)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/v2/pods", nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v2/pods: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"pods":[],"pagination":{"hasNextPage":false,"nextCursor":null}}` || resp.Header.Get("RateLimit") == "" {
		t.Fatalf("GET /v2/pods = %d %s (RateLimit %q)", resp.StatusCode, body, resp.Header.Get("RateLimit"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Main returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Main did not return after cancel")
	}
}

func TestMainRequiresKey(t *testing.T) {
	err := Main(context.Background(), nil, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "RUNPOD_API_KEY") {
		t.Fatalf("Main without a key = %v", err)
	}
}
