package app

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"

	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"
	certutil "k8s.io/client-go/util/cert"
)

// kubeletTLS is the kubelet API's server TLS: TLS_CERT_FILE/TLS_KEY_FILE,
// watched so a rotated pair (a renewed cert-manager Secret, say) is served
// from the next handshake on, or a self-signed pair for the node name and
// IP made at start. Client certificates are requested, and verified by the
// authenticator below.
func kubeletTLS(ctx context.Context, cfg *Config, nodeName, ip string) (*tls.Config, error) {
	var source certKeySource
	if cfg.TLSCertFile != "" {
		files, err := dynamiccertificates.NewDynamicServingContentFromFiles("kubelet-serving", cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS_CERT_FILE/TLS_KEY_FILE: %w", err)
		}
		go files.Run(ctx, 1)
		source = files
	} else {
		var ips []net.IP
		if p := net.ParseIP(ip); p != nil {
			ips = append(ips, p)
		}
		certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(nodeName, ips, []string{"localhost"})
		if err != nil {
			return nil, fmt.Errorf("generate the kubelet API's self-signed certificate: %w", err)
		}
		source = staticPair{certPEM, keyPEM}
	}
	pair := &servedPair{source: source}
	if _, err := pair.get(); err != nil {
		return nil, fmt.Errorf("kubelet API certificate: %w", err)
	}
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		CipherSuites:   nodeutil.DefaultServerCiphers(),
		ClientAuth:     tls.RequestClientCert,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return pair.get() },
	}, nil
}

// certKeySource is a PEM certificate and key that may change.
type certKeySource interface {
	CurrentCertKeyContent() (cert, key []byte)
}

type staticPair struct{ cert, key []byte }

func (s staticPair) CurrentCertKeyContent() ([]byte, []byte) { return s.cert, s.key }

// servedPair parses its source's pair again only when the content changed.
type servedPair struct {
	source certKeySource

	mu        sync.Mutex
	cert, key []byte
	parsed    *tls.Certificate
}

func (s *servedPair) get() (*tls.Certificate, error) {
	cert, key := s.source.CurrentCertKeyContent()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parsed != nil && bytes.Equal(cert, s.cert) && bytes.Equal(key, s.key) {
		return s.parsed, nil
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return nil, err
	}
	s.cert, s.key, s.parsed = cert, key, &pair
	return s.parsed, nil
}

// kubeletAuth authenticates kubelet API requests like a real kubelet: client
// certificates against the client CA the API server publishes in
// kube-system/extension-apiserver-authentication, bearer tokens through
// TokenReview; and authorizes them with SubjectAccessReview.
func kubeletAuth(ctx context.Context, kube kubernetes.Interface, nodeName string) (nodeutil.Auth, error) {
	ca, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", "kube-system",
		"extension-apiserver-authentication", "client-ca-file", kube)
	if err != nil {
		return nil, fmt.Errorf("watch the API server's client CA: %w", err)
	}
	if err := ca.RunOnce(ctx); err != nil {
		return nil, fmt.Errorf("read kube-system/extension-apiserver-authentication client-ca-file: %w", err)
	}
	go ca.Run(ctx, 1)
	return nodeutil.WebhookAuth(kube, nodeName, func(c *nodeutil.WebhookAuthConfig) error {
		c.AuthnConfig.ClientCertificateCAContentProvider = ca
		return nil
	})
}
