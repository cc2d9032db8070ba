package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// bodyOf is a JSON object of exactly n bytes.
func bodyOf(n int) string {
	const frame = `{"name":""}`
	return `{"name":"` + strings.Repeat("x", n-len(frame)) + `"}`
}

func TestBodyLimitComesBeforeAuthentication(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	over, at := bodyOf(runpodapi.MaxRequestBytes+1), bodyOf(runpodapi.MaxRequestBytes)
	noAuth := map[string]string{}
	for _, tc := range []struct {
		method, path string
	}{
		{http.MethodPost, "/v2/pods"},
		{http.MethodGet, "/v2/pods"},
		{http.MethodPatch, "/v2/pods/abc"},
		{http.MethodDelete, "/v2/pods/abc"},
		{http.MethodPost, "/v2/pods/abc/action"},
		{http.MethodGet, "/v2/catalog/gpus"},
		{http.MethodPost, "/v2/registries"},
		{http.MethodDelete, "/v2/registries/abc"},
		{http.MethodPost, "/v2/account/secrets"},
		{http.MethodDelete, "/v2/account/secrets/abc"},
		{http.MethodPost, "/v2/nothing-here"},
		{http.MethodPost, "/_sim/seed"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			p := problemOf(t, callWith(t, sim, tc.method, tc.path, over, noAuth), 413)
			if !strings.Contains(p.Detail, strconv.Itoa(runpodapi.MaxRequestBytes)) {
				t.Fatalf("detail %q does not give the limit", p.Detail)
			}
			if rec := callWith(t, sim, tc.method, tc.path, at, noAuth); rec.Code != 401 {
				t.Fatalf("a body of exactly the limit answered %d, want the 401 that comes next", rec.Code)
			}
		})
	}
	if got := sim.Counters()["POST /v2/pods"]; got != 2 {
		t.Fatalf("POST /v2/pods counted %d times, want 2 (413s count too)", got)
	}
}

func TestBodyLimitWithoutContentLength(t *testing.T) {
	srv := NewServer(testOptions(newFakeClock()))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		size int
		code int
	}{
		{"over", runpodapi.MaxRequestBytes + 1, 413},
		{"at the limit", runpodapi.MaxRequestBytes, 422}, // read, authenticated, then refused by the schema
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A MultiReader hides the length: the body goes chunked.
			body := io.MultiReader(strings.NewReader(bodyOf(tc.size)))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/pods", body)
			req.Header.Set("Authorization", "Bearer "+testKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.code {
				raw, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d %s, want %d", resp.StatusCode, raw, tc.code)
			}
		})
	}
}

func TestBodyLimitThroughTheClient(t *testing.T) {
	srv, _, c := clientSim(t, nil)
	big := gpuRequest("big", rtx4090, 1)
	big.Env = map[string]string{"BLOB": strings.Repeat("a", runpodapi.MaxRequestBytes)}
	if _, err := c.CreatePod(t.Context(), big); !errors.Is(err, runpodapi.ErrTooLarge) {
		t.Fatalf("create of %d bytes: %v, want ErrTooLarge", runpodapi.MaxRequestBytes, err)
	}
	// A body under the limit that the template's settings push over it.
	templated := runpodapi.CreatePodRequest{Name: "t", TemplateID: BuiltinTemplateID, Gpu: &runpodapi.CreateGpuConfig{ID: rtx4090, Count: 1}, Env: map[string]string{"BLOB": ""}}
	raw, _ := json.Marshal(templated)
	templated.Env["BLOB"] = strings.Repeat("a", runpodapi.MaxRequestBytes-len(raw)-10)
	if raw, _ = json.Marshal(templated); len(raw) > runpodapi.MaxRequestBytes {
		t.Fatalf("test body is %d bytes, over the limit itself", len(raw))
	}
	if _, err := c.CreatePod(t.Context(), templated); !errors.Is(err, runpodapi.ErrTooLarge) {
		t.Fatalf("templated create: %v, want ErrTooLarge", err)
	}
	if n := len(srv.Pods()); n != 0 {
		t.Fatalf("%d pods made by refused creates", n)
	}
	if rec := call(t, srv, http.MethodPost, "/v2/pods", bytes.Repeat([]byte{' '}, runpodapi.MaxRequestBytes+1)); rec.Code != 413 {
		t.Fatalf("blank body over the limit: %d", rec.Code)
	}
}
