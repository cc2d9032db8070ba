package app

import (
	"context"
	"testing"

	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
)

func TestTrimInformerCachesDropsManagedFields(t *testing.T) {
	fields := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate}}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: "default", Name: name, ManagedFields: fields}
	}
	kube := fake.NewClientset(
		&corev1.Pod{ObjectMeta: meta("p")}, &corev1.Secret{ObjectMeta: meta("s")},
		&corev1.ConfigMap{ObjectMeta: meta("c")}, &corev1.Service{ObjectMeta: meta("v")})
	factory := informers.NewSharedInformerFactory(kube, 0)
	core := factory.Core().V1()
	cfg := &vknode.PodControllerConfig{PodInformer: core.Pods(), SecretInformer: core.Secrets(),
		ConfigMapInformer: core.ConfigMaps(), ServiceInformer: core.Services()}
	if err := trimInformerCaches(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())

	cached := map[string]func() (metav1.Object, error){
		"pod":       func() (metav1.Object, error) { return core.Pods().Lister().Pods("default").Get("p") },
		"secret":    func() (metav1.Object, error) { return core.Secrets().Lister().Secrets("default").Get("s") },
		"configmap": func() (metav1.Object, error) { return core.ConfigMaps().Lister().ConfigMaps("default").Get("c") },
		"service":   func() (metav1.Object, error) { return core.Services().Lister().Services("default").Get("v") },
	}
	for kind, get := range cached {
		obj, err := get()
		if err != nil {
			t.Errorf("%s not cached: %v", kind, err)
			continue
		}
		if obj.GetManagedFields() != nil {
			t.Errorf("cached %s keeps managedFields %v", kind, obj.GetManagedFields())
		}
	}

	// Once started, an informer takes no transform: say so, never panic.
	if err := trimInformerCaches(cfg); err == nil {
		t.Error("trimming started informers returned no error")
	}
}

func TestStripManagedFieldsPassesTombstones(t *testing.T) {
	tomb := cache.DeletedFinalStateUnknown{Key: "default/p"}
	got, err := stripManagedFields(tomb)
	if err != nil || got != tomb {
		t.Errorf("stripManagedFields(tombstone) = %v, %v; want it unchanged", got, err)
	}
}
