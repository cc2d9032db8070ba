// Package ociregistry starts a real OCI registry server in the test's
// process, behind basic auth, holding one image with a given config: the
// registry a private image is pulled from in tests.
package ociregistry

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Private serves a registry that wants user:pass and pushes one random
// image with cfg (its ENTRYPOINT and CMD) as repo (e.g. "team/server:1").
// It returns the registry's host and the image reference; the server stops
// with the test.
func Private(t testing.TB, user, pass, repo string, cfg v1.Config) (host, image string) {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	image = host + "/" + repo
	img, err := random.Image(32, 1)
	if err == nil {
		img, err = mutate.Config(img, cfg)
	}
	var ref name.Reference
	if err == nil {
		ref, err = name.ParseReference(image)
	}
	if err == nil {
		err = remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	}
	if err != nil {
		t.Fatalf("push %s to the test registry: %v", image, err)
	}
	return host, image
}
