package simulator

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

func TestAccountSecretsThroughTheClient(t *testing.T) {
	srv, _, c := clientSim(t, nil)
	hf, err := c.CreateAccountSecret(t.Context(), runpodapi.CreateAccountSecretRequest{Name: "hf_token", Value: "hf_s3cr3t", Description: "Hugging Face"})
	if err != nil || hf.Name != "hf_token" || hf.Description != "Hugging Face" || hf.ID == "" {
		t.Fatalf("create = %+v, %v", hf, err)
	}
	for _, tc := range []struct {
		name string
		req  runpodapi.CreateAccountSecretRequest
		want error // nil = created
	}{
		{"slashes, dots and dashes", runpodapi.CreateAccountSecretRequest{Name: "team-a/db.password", Value: "v"}, nil},
		{"191 characters", runpodapi.CreateAccountSecretRequest{Name: strings.Repeat("a", 191), Value: "v"}, nil},
		{"RUNPOD inside the name", runpodapi.CreateAccountSecretRequest{Name: "my_RUNPOD_key", Value: "v"}, nil},
		{"name taken", runpodapi.CreateAccountSecretRequest{Name: "hf_token", Value: "other"}, runpodapi.ErrConflict},
		{"192 characters", runpodapi.CreateAccountSecretRequest{Name: strings.Repeat("a", 192), Value: "v"}, runpodapi.ErrInvalid},
		{"RUNPOD prefix", runpodapi.CreateAccountSecretRequest{Name: "RUNPOD_KEY", Value: "v"}, runpodapi.ErrInvalid},
		{"runpod prefix in lower case", runpodapi.CreateAccountSecretRequest{Name: "runpodKey", Value: "v"}, runpodapi.ErrInvalid},
		{"a space", runpodapi.CreateAccountSecretRequest{Name: "my key", Value: "v"}, runpodapi.ErrInvalid},
		{"empty name", runpodapi.CreateAccountSecretRequest{Value: "v"}, runpodapi.ErrInvalid},
		{"empty value", runpodapi.CreateAccountSecretRequest{Name: "empty"}, runpodapi.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.CreateAccountSecret(t.Context(), tc.req)
			if tc.want == nil {
				if err != nil || got.Name != tc.req.Name {
					t.Fatalf("create = %+v, %v", got, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if tc.req.Value != "" && strings.Contains(err.Error(), tc.req.Value+`"`) {
				t.Fatalf("the error carries the value: %v", err)
			}
		})
	}
	all, err := c.ListAccountSecrets(t.Context(), "")
	if err != nil || len(all) != 4 || all[0] != *hf {
		t.Fatalf("list = %+v, %v; want the 4 created, hf_token first", all, err)
	}
	if got, err := c.ListAccountSecrets(t.Context(), "hf_token"); err != nil || !slices.Equal(got, []runpodapi.AccountSecret{*hf}) {
		t.Fatalf("list ?name=hf_token = %+v, %v", got, err)
	}
	if got, err := c.ListAccountSecrets(t.Context(), "nope"); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("list ?name=nope = %#v, %v; want an empty list", got, err)
	}
	if err := c.DeleteAccountSecret(t.Context(), hf.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAccountSecret(t.Context(), hf.ID); !errors.Is(err, runpodapi.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if got := srv.AccountSecrets(); len(got) != 3 || slices.ContainsFunc(got, func(a runpodapi.AccountSecret) bool { return a.Name == "hf_token" }) {
		t.Fatalf("AccountSecrets() = %+v", got)
	}
	raw := call(t, srv, http.MethodGet, "/v2/account/secrets", nil).Body.String()
	if strings.Contains(raw, `"value"`) {
		t.Fatalf("the listing carries values: %s", raw)
	}
	for _, route := range []string{"GET /v2/account/secrets", "POST /v2/account/secrets", "DELETE /v2/account/secrets/{id}"} {
		if srv.Counters()[route] == 0 {
			t.Fatalf("%s not counted: %v", route, srv.Counters())
		}
	}
}

func TestSecretSubstitution(t *testing.T) {
	store := &store{secrets: []*accountSecret{{name: "hf_token", value: "hf_abc"}, {name: "team/db.pw", value: "p@ss word"}}}
	for _, tc := range []struct {
		in, want string
	}{
		{runpodapi.SecretReference("hf_token"), "hf_abc"},
		{"{{RUNPOD_SECRET_hf_token}}", "hf_abc"},
		{"{{   RUNPOD_SECRET_hf_token\t}}", "hf_abc"},
		{"Bearer {{ RUNPOD_SECRET_hf_token }}!", "Bearer hf_abc!"},
		{"{{ RUNPOD_SECRET_team/db.pw }}:{{ RUNPOD_SECRET_hf_token }}", "p@ss word:hf_abc"},
		{"{{ RUNPOD_SECRET_missing }}", "{{ RUNPOD_SECRET_missing }}"},
		{"{{ RUNPOD_SECRET_HF_TOKEN }}", "{{ RUNPOD_SECRET_HF_TOKEN }}"}, // names are case-sensitive
		{"{ RUNPOD_SECRET_hf_token }", "{ RUNPOD_SECRET_hf_token }"},
		{"RUNPOD_SECRET_hf_token", "RUNPOD_SECRET_hf_token"},
		{"", ""},
	} {
		if got := store.substituteSecrets(map[string]string{"V": tc.in})["V"]; got != tc.want {
			t.Errorf("substitute %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSecretsReachTheContainerOnly(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	mustSecret(t, sim, "hf_token", "hf_abc")
	env := map[string]string{"HF_TOKEN": runpodapi.SecretReference("hf_token"), "OTHER": "{{ RUNPOD_SECRET_missing }}"}
	for _, tc := range []struct {
		name string
		req  runpodapi.CreatePodRequest
		want []string // the container log
	}{
		{"echo $VAR", withCmd("sh", "-c", `echo token=$HF_TOKEN; echo "${OTHER}"`), []string{"token=hf_abc", "{{ RUNPOD_SECRET_missing }}"}},
		{"the default output", withEnv(withCmd("python", "train.py"), EnvLogLines, "using {{ RUNPOD_SECRET_hf_token }}"), []string{"using hf_abc"}},
		{"a wrapper file", withEnv(withEnv(wrapped(cpuRequest("w", 2), "cat", "/run/token"), EnvWrapperFiles, "1"),
			"RUNPOD_KUBELET_FILE_0_PATH", "/run/token", "RUNPOD_KUBELET_FILE_0_MODE", "0600", "RUNPOD_KUBELET_FILE_0_DATA", runpodapi.SecretReference("hf_token")),
			[]string{"hf_abc", exitMarker(0, testPodUID)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Env = mergeEnv(env, req.Env)
			id := mustSeed(t, sim, req).ID
			clock.Step(bootDelay + 10*time.Second)
			if got := containerLog(t, sim, id); !slices.Equal(got, tc.want) {
				t.Fatalf("container log %q, want %q", got, tc.want)
			}
			for _, p := range []runpodapi.Pod{mustPod(t, sim, id), decode[runpodapi.Pod](t, call(t, sim, http.MethodGet, "/v2/pods/"+id, nil))} {
				if p.Env["HF_TOKEN"] != runpodapi.SecretReference("hf_token") {
					t.Fatalf("the pod answers env %v, want the reference, not the value", p.Env)
				}
			}
			if body := call(t, sim, http.MethodGet, "/v2/pods", nil).Body.String(); strings.Contains(body, "hf_abc") {
				t.Fatalf("the listing carries the value: %s", body)
			}
		})
	}
}

func TestSecretIsReadAtBoot(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	id := mustSeed(t, sim, withEnv(withCmd("sh", "-c", "echo $T; sleep infinity"), "T", runpodapi.SecretReference("tok"))).ID
	clock.Step(bootDelay)
	mustSecret(t, sim, "tok", "v1")
	action(t, sim, id, "restart")
	clock.Step(bootDelay)
	if got := containerLog(t, sim, id); !slices.Equal(got, []string{"{{ RUNPOD_SECRET_tok }}", "v1"}) {
		t.Fatalf("container log %q: want the literal before the secret existed, its value after the restart", got)
	}
}

// withEnv adds key/value pairs to the request's env.
func withEnv(req runpodapi.CreatePodRequest, kv ...string) runpodapi.CreatePodRequest {
	req.Env = maps.Clone(req.Env)
	if req.Env == nil {
		req.Env = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Env[kv[i]] = kv[i+1]
	}
	return req
}

func mergeEnv(base, over map[string]string) map[string]string {
	out := maps.Clone(base)
	maps.Copy(out, over)
	return out
}
