package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	certutil "k8s.io/client-go/util/cert"
)

// writePair writes a fresh self-signed pair for host into dir.
func writePair(t *testing.T, dir, host string) {
	t.Helper()
	cert, key, err := certutil.GenerateSelfSignedCertKey(host, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"tls.crt": cert, "tls.key": key} {
		tmp := filepath.Join(dir, name+".tmp")
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// A rotated TLS_CERT_FILE/TLS_KEY_FILE pair is served without a restart.
func TestKubeletTLSPicksUpARotatedPair(t *testing.T) {
	dir := t.TempDir()
	writePair(t, dir, "first.example")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := &Config{TLSCertFile: filepath.Join(dir, "tls.crt"), TLSKeyFile: filepath.Join(dir, "tls.key")}
	tlsCfg, err := kubeletTLS(ctx, cfg, "virtual-runpod", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cn := func() string { return served(t, tlsCfg).Subject.CommonName }
	if got := cn(); !strings.HasPrefix(got, "first.example@") {
		t.Fatalf("serving %q, want first.example", got)
	}
	writePair(t, dir, "second.example")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.HasPrefix(cn(), "second.example@") {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %q 20 s after the files were rotated", cn())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestKubeletTLSSelfSigned(t *testing.T) {
	tlsCfg, err := kubeletTLS(context.Background(), &Config{}, "virtual-runpod", "10.0.0.7")
	if err != nil {
		t.Fatal(err)
	}
	leaf := served(t, tlsCfg)
	if err := leaf.VerifyHostname("10.0.0.7"); err != nil {
		t.Errorf("self-signed certificate does not cover the node IP: %v", err)
	}
	if err := leaf.VerifyHostname("virtual-runpod"); err != nil {
		t.Errorf("self-signed certificate does not cover the node name: %v", err)
	}
}

// served is the leaf certificate a handshake gets now.
func served(t *testing.T, cfg *tls.Config) *x509.Certificate {
	t.Helper()
	c, err := cfg.GetCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}
