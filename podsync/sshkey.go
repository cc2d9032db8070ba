package podsync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// The node's SSH identity is one ed25519 key pair kept in a Secret of the
// kubelet's own namespace, runpod-kubelet-ssh-<node>: every replica and
// every restart uses the same key, and nothing is kept on disk. The install
// (chart, kustomize/rbac) creates the Secret empty and grants the kubelet
// get/update on that one name only (a Secret create right in kube-system
// would let it mint service-account tokens); the first leader that needs
// the key fills it. Rotating is emptying the Secret's data: the next create
// fills in a new pair, and pods created before keep the old public key, so
// exec to them stops working until they are recreated. The private key never leaves this process:
// it is not logged, not in Events, annotations or metrics.

// SSHKeySecretName is the Secret holding the node's SSH key pair.
func SSHKeySecretName(node string) string { return "runpod-kubelet-ssh-" + node }

// sshPublicKeyKey holds the public half beside ssh-privatekey (the keys of kubernetes.io/ssh-auth).
const sshPublicKeyKey = "ssh-publickey"

// sshIdentity is the loaded key pair, a cache of the Secret for the term.
type sshIdentity struct {
	mu     sync.Mutex
	signer ssh.Signer
	public string // authorized_keys line

	accountKeys   []string // GET /v2/account/ssh-keys, cached
	accountKeysAt time.Time
	accountRead   singleflight.Group // creates that find the keys stale together share one read
}

// sshKey returns the node's signer and public key, creating the Secret on
// first use.
func (p *Provider) sshKey(ctx context.Context) (ssh.Signer, string, error) {
	id := p.ssh
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.signer != nil {
		return id.signer, id.public, nil
	}
	if p.s.Namespace == "" {
		return nil, "", fmt.Errorf("the kubelet's SSH access is off (no namespace for its key Secret)")
	}
	s, err := p.loadSSHKeySecret(ctx)
	if err != nil {
		return nil, "", err
	}
	name := SSHKeySecretName(p.s.NodeName)
	signer, err := ssh.ParsePrivateKey(s.Data[corev1.SSHAuthPrivateKey])
	if err != nil {
		return nil, "", fmt.Errorf("the SSH key Secret %s/%s holds no usable %s (delete it to make a new one): %v",
			p.s.Namespace, name, corev1.SSHAuthPrivateKey, errorKind(err))
	}
	id.signer = signer
	id.public = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))) + " runpod-kubelet@" + p.s.NodeName
	return id.signer, id.public, nil
}

// errorKind names a key parse failure without echoing key material.
func errorKind(err error) string {
	if _, ok := err.(*ssh.PassphraseMissingError); ok {
		return "the key has a passphrase"
	}
	return "not an OpenSSH private key"
}

// loadSSHKeySecret reads the key Secret, filling an empty one with a new
// pair; when two replicas race, the loser reads the winner's.
func (p *Provider) loadSSHKeySecret(ctx context.Context) (*corev1.Secret, error) {
	secrets := p.kube.CoreV1().Secrets(p.s.Namespace)
	name := SSHKeySecretName(p.s.NodeName)
	s, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("the node's SSH key Secret %s/%s does not exist: the chart and kustomize/rbac create it empty, and runpod-kubelet fills it", p.s.Namespace, name)
	}
	if err != nil {
		return nil, fmt.Errorf("read the node's SSH key Secret %s/%s: %w", p.s.Namespace, name, err)
	}
	if len(s.Data[corev1.SSHAuthPrivateKey]) > 0 {
		return s, nil
	}
	fresh, err := newSSHKeyData()
	if err != nil {
		return nil, err
	}
	s = s.DeepCopy()
	s.Data = fresh
	updated, err := secrets.Update(ctx, s, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return secrets.Get(ctx, name, metav1.GetOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("store the node's new SSH key in Secret %s/%s: %w", p.s.Namespace, name, err)
	}
	p.log.Info("made the node's SSH key", "secret", p.s.Namespace+"/"+name)
	return updated, nil
}

// newSSHKeyData makes a fresh key pair as Secret data.
func newSSHKeyData() (map[string][]byte, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate an SSH key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "runpod-kubelet")
	if err != nil {
		return nil, fmt.Errorf("encode the SSH key: %w", err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode the SSH public key: %w", err)
	}
	return map[string][]byte{
		corev1.SSHAuthPrivateKey: pem.EncodeToMemory(block),
		sshPublicKeyKey:          ssh.MarshalAuthorizedKey(sshPub),
	}, nil
}

// accountKeysTTL is how long the account's registered keys are reused.
const accountKeysTTL = 10 * time.Minute

// sshAccess is what a create adds for the kubelet's SSH: the node's public
// key and the account's keys (read at most every accountKeysTTL). nil when
// the kubelet's SSH is off.
func (p *Provider) sshAccess(ctx context.Context) (*policy.SSHAccess, error) {
	if p.s.Namespace == "" {
		return nil, nil
	}
	_, public, err := p.sshKey(ctx)
	if err != nil {
		return nil, err
	}
	id := p.ssh
	id.mu.Lock()
	keys, at := id.accountKeys, id.accountKeysAt
	id.mu.Unlock()
	if at.IsZero() || p.clock.Since(at) > accountKeysTTL {
		v, err, _ := id.accountRead.Do("keys", func() (any, error) {
			keys, err := p.rp.ListAccountSSHKeys(ctx)
			if err != nil {
				return nil, err
			}
			id.mu.Lock()
			id.accountKeys, id.accountKeysAt = keys, p.now()
			id.mu.Unlock()
			return keys, nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the account's SSH keys, which a pod must keep beside the node's: %w", err)
		}
		keys = v.([]string)
	}
	return &policy.SSHAccess{PublicKey: public, AccountKeys: keys}, nil
}
