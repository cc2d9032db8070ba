package runpodapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAPIKeyNeverPrinted(t *testing.T) {
	cfg := Config{BaseURL: "http://127.0.0.1:1", APIKey: testKey}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(struct{ Key APIKey }{cfg.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v config":  fmt.Sprintf("%v", cfg),
		"%+v config": fmt.Sprintf("%+v", cfg),
		"%#v config": fmt.Sprintf("%#v", cfg),
		"%s key":     fmt.Sprintf("%s", cfg.APIKey),
		"%q key":     fmt.Sprintf("%q", cfg.APIKey),
		"%v client":  fmt.Sprintf("%v", c),
		"%+v client": fmt.Sprintf("%+v", *c),
		"%#v client": fmt.Sprintf("%#v", *c),
		"json":       string(js),
	}
	for name, out := range outputs {
		if strings.Contains(out, testKey) || strings.Contains(out, "TESTKEY") {
			t.Errorf("%s leaks the key: %s", name, out)
		}
	}
	if !strings.Contains(outputs["json"], redacted) {
		t.Errorf("json = %s, want the key shown as %s", outputs["json"], redacted)
	}
}

func TestAPIKeyRedactedFromErrors(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		// A misbehaving server (or proxy) that echoes the credential back.
		problemAnswer(403, "Forbidden", "key "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+" lacks access")(w, r)
	}
	c := newTestClient(t, &scripted{answers: []func(http.ResponseWriter, *http.Request){echo}})
	_, err := c.ListPods(context.Background())
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("error leaks the key or is nil: %v", err)
	}
	if !strings.Contains(err.Error(), redacted) {
		t.Errorf("error %q should show where the key was", err)
	}
}
