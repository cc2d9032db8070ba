package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// AnnotationSSH opts a pod out of the kubelet's SSH access ("false"):
// without it, `kubectl exec`, `cp` and `port-forward` are refused, and the
// pod's create request carries no kubelet key and no 22/tcp port of ours.
const AnnotationSSH = "runpod.io/ssh"

func parseSSH(v string, a *Annotations) string {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Sprintf("%q is not true or false", v)
	}
	a.NoSSH = !on
	return ""
}

// SSHOptedOut says whether a pod's annotations turn the kubelet's SSH off.
func SSHOptedOut(annotations map[string]string) bool {
	on, err := strconv.ParseBool(strings.TrimSpace(annotations[AnnotationSSH]))
	return err == nil && !on
}

// SSHAccess is how the kubelet reaches its pods over SSH: its own public key
// and the account's registered keys, which a pod that sets PUBLIC_KEY would
// otherwise lose (RunPod injects them only when the request sets none).
type SSHAccess struct {
	PublicKey   string   // the node's key, an authorized_keys line
	AccountKeys []string // GET /v2/account/ssh-keys
}

// sshPort is the port RunPod's direct SSH needs.
const sshPort = "22/tcp"

// EnvPublicKey is the variable RunPod images start sshd from.
const EnvPublicKey = "PUBLIC_KEY"

// addSSH gives the request what direct SSH as the kubelet needs: startSsh,
// 22/tcp and PUBLIC_KEY with the account's keys, any the pod set itself,
// and the node's key, each once.
func addSSH(req *runpodapi.CreatePodRequest, access *SSHAccess) {
	var keys []string
	add := func(lines string) {
		for _, k := range strings.Split(lines, "\n") {
			if k = strings.TrimSpace(k); k != "" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	for _, k := range access.AccountKeys {
		add(k)
	}
	add(req.Env[EnvPublicKey])
	add(access.PublicKey)
	if req.Env == nil {
		req.Env = map[string]string{}
	}
	req.Env[EnvPublicKey] = strings.Join(keys, "\n")
	req.StartSsh = true
	if !slices.ContainsFunc(req.Ports, func(p string) bool { return strings.HasPrefix(p, "22/") }) {
		req.Ports = append(req.Ports, sshPort)
	}
}
