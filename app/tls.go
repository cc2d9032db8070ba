package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/client-go/kubernetes"
)

// kubeletTLS is the kubelet API's server TLS: TLS_CERT_FILE/TLS_KEY_FILE, or
// a self-signed pair for the node name and IP made at start. Client
// certificates are requested, and verified by the authenticator below.
func kubeletTLS(cfg *Config, nodeName, ip string) (*tls.Config, error) {
	var cert tls.Certificate
	var err error
	if cfg.TLSCertFile != "" {
		cert, err = tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS_CERT_FILE/TLS_KEY_FILE: %w", err)
		}
	} else if cert, err = selfSigned(nodeName, ip); err != nil {
		return nil, fmt.Errorf("generate the kubelet API's self-signed certificate: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		CipherSuites: nodeutil.DefaultServerCiphers(),
		ClientAuth:   tls.RequestClientCert,
		Certificates: []tls.Certificate{cert},
	}, nil
}

func selfSigned(nodeName, ip string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: nodeName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{nodeName, "localhost"},
	}
	if p := net.ParseIP(ip); p != nil {
		tmpl.IPAddresses = []net.IP{p}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
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
