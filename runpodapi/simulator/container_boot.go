package simulator

import (
	"maps"
	"time"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// bootInputs are what a boot takes from the account when it begins.
type bootInputs struct {
	env    map[string]string // the container's env (containerEnv)
	denied string            // the system line of a refused image pull; "" when the image is there
}

// baseEnv is what every simulated container has before the pod's env: the
// image's HOME and PATH, and RunPod's RUNPOD_POD_ID.
func baseEnv(podID string) map[string]string {
	return map[string]string{
		"HOME":          "/root",
		"PATH":          "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"RUNPOD_POD_ID": podID,
	}
}

// containerEnv is the env a booting container sees: baseEnv, then the pod's
// env with the account secrets it references substituted. The lock is held.
func (s *store) containerEnv(p *pod) map[string]string {
	env := baseEnv(p.id)
	maps.Copy(env, s.substituteSecrets(p.cfg.env))
	return env
}

// bootPod begins a pass of p at t from phase from with what the account
// holds now: the secrets its env references and, when the host does not have
// the image yet, the pull access of its registry credential. The lock is held.
func (s *Simulator) bootPod(p *pod, t time.Time, from runpodapi.PodStatus) {
	in := bootInputs{env: s.st.containerEnv(p)}
	switch {
	case from == runpodapi.StatusRunning: // forced by a test: the container runs, so the image is there
		p.pulled = p.cfg.image
	case p.pulled != p.cfg.image:
		if in.denied = s.st.pullDenial(p); in.denied == "" {
			p.pulled = p.cfg.image
		}
	}
	p.newBoot(t, from, s.opts, in)
	s.syncPodSSH(p)
}
