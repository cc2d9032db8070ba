package policy

import (
	corev1 "k8s.io/api/core/v1"
)

// RegistryLogin is a RunPod registry credential made from the
// imagePullSecrets entry whose registry is the image's. Its name is
// deterministic (see accountsecrets.go), so every replica and every pod with
// the same login reuses one credential, and a changed password gets a new one.
type RegistryLogin struct {
	Name               string // the RunPod credential name
	Username, Password string
	SecretName         string // the pull secret it came from, for Events
}

// String keeps the password out of logs and Events.
func (l RegistryLogin) String() string { return "registry credential " + l.Name }

// GoString keeps the password out of %#v too.
func (l RegistryLogin) GoString() string { return l.String() }

// registryLoginFor picks the pull secret entry for the image's repository; nil
// when none matches or it holds no username and password (an identity token
// alone cannot become a RunPod credential).
func registryLoginFor(pod *corev1.Pod, image string, src Sources, prefix string) *RegistryLogin {
	repo := ImageRepository(image)
	if repo == "" || len(pod.Spec.ImagePullSecrets) == 0 {
		return nil
	}
	l, ok := PullLogins(pod, src).For(repo)
	if !ok || l.Username == "" || l.Password == "" {
		return nil
	}
	s := l.Secret
	return &RegistryLogin{
		Name:     ownedName(prefix, "reg", s.Namespace+"."+s.Name, secretKey(s), l.Host, l.Path, l.Username, l.Password),
		Username: l.Username, Password: l.Password, SecretName: s.Name,
	}
}

// SetRegistry names the registry credential id in every candidate.
func (p *PlacementPlan) SetRegistry(id string) {
	for i := range p.Candidates {
		p.Candidates[i].Request.Registry = id
	}
}
