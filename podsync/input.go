package podsync

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1listers "k8s.io/client-go/listers/core/v1"

	"github.com/runpod-kubelet/runpod-kubelet/policy"
)

// planInput gathers what the policy decides from: the pod as stored, the
// Services (service-link detection), the owning Job's annotations, the
// ConfigMaps and Secrets its volumes name, and — when its container sets no
// command — the image's ENTRYPOINT/CMD from its registry.
func (p *Provider) planInput(ctx context.Context, pod *corev1.Pod) (policy.Input, error) {
	in := policy.Input{Pod: pod, Node: p.s.NodeSettings}
	p.mu.Lock()
	pods, services, cms, secrets := p.pods, p.services, p.configMaps, p.secrets
	p.mu.Unlock()
	if pods != nil {
		if stored, err := pods.Pods(pod.Namespace).Get(pod.Name); err == nil && stored.UID == pod.UID {
			in.StoredPod = stored
		}
	}
	if in.StoredPod == nil { // the stored env says which values came from Secrets: ask the API server
		stored, err := p.kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		switch {
		case err == nil && stored.UID == pod.UID:
			in.StoredPod = stored
		case err == nil:
			return in, fmt.Errorf("read pod %s/%s as stored: it was replaced (UID %s)", pod.Namespace, pod.Name, stored.UID)
		default: // without it a Secret's value could travel as plain env
			return in, fmt.Errorf("read pod %s/%s as stored, to keep its Secret values secret: %w", pod.Namespace, pod.Name, err)
		}
	}
	if services != nil {
		list, err := services.List(labels.Everything())
		if err == nil {
			for _, s := range list {
				in.Services = append(in.Services, *s)
			}
		}
	}
	in.Sources = listerSources{cms: cms, secrets: secrets}
	if !policy.SSHOptedOut(pod.Annotations) {
		access, err := p.sshAccess(ctx)
		if err != nil { // exec is optional: the pod runs, without it
			p.event(pod, corev1.EventTypeWarning, EventSSHUnavailable, "creating without the node's SSH key, so kubectl exec, cp and port-forward will not reach this pod: %v", err)
			p.log.Warn("create without SSH access", "pod", podKey(pod), "err", err)
		}
		in.SSH = access
	}
	if jobName, ok := policy.OwningJobName(pod); ok {
		job, err := p.kube.BatchV1().Jobs(pod.Namespace).Get(ctx, jobName, metav1.GetOptions{})
		switch {
		case err == nil:
			in.Job = job
		case apierrors.IsNotFound(err):
			in.Job = nil // the Job is gone; the pod's own annotations still apply
		default:
			return in, fmt.Errorf("read Job %s/%s for its runpod.io annotations: %w", pod.Namespace, jobName, err)
		}
	}
	var jobAnn map[string]string
	if in.Job != nil {
		jobAnn = in.Job.Annotations
	}
	if c := runningContainer(pod, jobAnn); c != nil && len(c.Command) == 0 && c.Image != "" {
		img, err := p.images.get(ctx, pod, c.Image, in.Sources)
		if err != nil {
			in.ImageErr = err.Error()
		}
		in.Image = img
	}
	return in, nil
}

// runningContainer is the container the policy will run, or nil when it
// refuses the pod (the refusal comes from the policy itself).
func runningContainer(pod *corev1.Pod, jobAnnotations map[string]string) *corev1.Container {
	name, err := policy.RunningContainer(pod, jobAnnotations)
	if err != nil {
		return nil
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// listerSources reads volumes' ConfigMaps and Secrets from the informers.
type listerSources struct {
	cms     corev1listers.ConfigMapLister
	secrets corev1listers.SecretLister
}

var errNoCache = errors.New("the informer cache is not attached")

func (s listerSources) ConfigMap(namespace, name string) (*corev1.ConfigMap, error) {
	if s.cms == nil {
		return nil, errNoCache
	}
	return s.cms.ConfigMaps(namespace).Get(name)
}

func (s listerSources) Secret(namespace, name string) (*corev1.Secret, error) {
	if s.secrets == nil {
		return nil, errNoCache
	}
	return s.secrets.Secrets(namespace).Get(name)
}
