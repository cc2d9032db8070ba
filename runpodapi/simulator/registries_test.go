package simulator

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

const regPassword = "correct-horse-battery-staple"

func TestRegistryCredentialsThroughTheClient(t *testing.T) {
	srv, _, c := clientSim(t, nil)
	if got, err := c.ListRegistries(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("empty account lists %v, %v", got, err)
	}
	reg, err := c.CreateRegistry(t.Context(), runpodapi.CreateRegistryRequest{Name: "dockerhub-private", Username: "puller", Password: regPassword})
	if err != nil || len(reg.ID) != 8 || reg.Name != "dockerhub-private" {
		t.Fatalf("create = %+v, %v; want an 8-character id and the name", reg, err)
	}
	inUse := mustSeed(t, srv.Simulator, withRegistry(gpuRequest("user", rtx4090, 1), reg.ID))
	for _, tc := range []struct {
		name    string
		do      func() error
		want    error  // nil = success
		problem string // in the error text
	}{
		{"list", func() error {
			got, err := c.ListRegistries(t.Context())
			if err == nil && !slices.Equal(got, []runpodapi.Registry{*reg}) {
				t.Fatalf("list = %+v", got)
			}
			return err
		}, nil, ""},
		{"create without password", func() error {
			_, err := c.CreateRegistry(t.Context(), runpodapi.CreateRegistryRequest{Name: "x", Username: "puller"})
			return err
		}, runpodapi.ErrInvalid, "password"},
		{"create with an empty name", func() error {
			_, err := c.CreateRegistry(t.Context(), runpodapi.CreateRegistryRequest{Username: "puller", Password: regPassword})
			return err
		}, runpodapi.ErrInvalid, "$.name"},
		{"delete unknown", func() error { return c.DeleteRegistry(t.Context(), "nope") }, runpodapi.ErrNotFound, "not found"},
		{"delete in use", func() error { return c.DeleteRegistry(t.Context(), reg.ID) }, runpodapi.ErrRejected, "in use by pod " + inUse.ID + " (user)"},
		{"delete once the pod is gone", func() error {
			if err := c.DeletePod(t.Context(), inUse.ID); err != nil {
				t.Fatal(err)
			}
			return c.DeleteRegistry(t.Context(), reg.ID)
		}, nil, ""},
		{"delete again", func() error { return c.DeleteRegistry(t.Context(), reg.ID) }, runpodapi.ErrNotFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("error %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.want, tc.problem)
			}
			if strings.Contains(err.Error(), regPassword) {
				t.Fatalf("the error carries the password: %v", err)
			}
		})
	}
	if got := srv.Registries(); len(got) != 0 {
		t.Fatalf("Registries() after the delete = %+v", got)
	}
	counts := srv.Counters()
	for _, route := range []string{"GET /v2/registries", "POST /v2/registries", "DELETE /v2/registries/{id}"} {
		if counts[route] == 0 {
			t.Fatalf("%s not counted: %v", route, counts)
		}
	}
}

func TestRegistryAnswersNeverCarryTheCredential(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	id := mustRegistry(t, sim, "private", "puller-name", regPassword)
	for _, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		{http.MethodGet, "/v2/registries", nil, 200},
		{http.MethodGet, "/v2/registries/" + id, nil, 200},
		{http.MethodGet, "/v2/registries/nope", nil, 404},
		{http.MethodPost, "/v2/registries", `{"name":"x","username":"puller-name","password":"` + regPassword + `","bogus":1}`, 422},
		{http.MethodPost, "/v2/registries", `{"name":"x","username":"puller-name","password":17}`, 422},
		{http.MethodPost, "/v2/registries", `{"name":"","username":"puller-name","password":"` + regPassword + `"}`, 422},
		{http.MethodPost, "/v2/registries", `{"name":"x","username":"puller-name","password":"` + regPassword + `"`, 400},
		{http.MethodPut, "/v2/registries/" + id, nil, 405},
	} {
		rec := call(t, sim, tc.method, tc.path, tc.body)
		wantStatus(t, rec, tc.code)
		if body := rec.Body.String(); strings.Contains(body, regPassword) || strings.Contains(body, "puller-name") {
			t.Fatalf("%s %s answered the credential: %s", tc.method, tc.path, body)
		}
	}
	if got := decode[runpodapi.Registry](t, call(t, sim, http.MethodGet, "/v2/registries/"+id, nil)); got != (runpodapi.Registry{ID: id, Name: "private"}) {
		t.Fatalf("get = %+v", got)
	}
}

func TestPodRegistryMustNameACredential(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	good := mustRegistry(t, sim, "private", "u", "p")
	for _, tc := range []struct {
		name string
		req  runpodapi.CreatePodRequest
		code int
	}{
		{"known", withRegistry(gpuRequest("a", rtx4090, 1), good), 201},
		{"none", gpuRequest("b", rtx4090, 1), 201},
		{"unknown", withRegistry(gpuRequest("c", rtx4090, 1), "nope"), 400},
		{"unknown, CPU pod", withRegistry(cpuRequest("d", 2), "nope"), 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, http.MethodPost, "/v2/pods", tc.req)
			if tc.code != 400 {
				wantStatus(t, rec, tc.code)
				return
			}
			if p := problemOf(t, rec, 400); !strings.Contains(p.Detail, `registry "nope"`) {
				t.Fatalf("detail %q does not name the registry", p.Detail)
			}
		})
	}
	if n := len(sim.Pods()); n != 2 {
		t.Fatalf("%d pods, want the 2 valid creates only", n)
	}
}

func withRegistry(req runpodapi.CreatePodRequest, id string) runpodapi.CreatePodRequest {
	req.Registry = id
	return req
}
