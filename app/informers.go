package app

import (
	"fmt"

	vknode "github.com/virtual-kubelet/virtual-kubelet/node"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/cache"
)

// trimInformerCaches makes virtual-kubelet's informers cache objects without
// managedFields. Nothing here reads them; they are about a third of every
// cached pod, and the Secrets, ConfigMaps and Services are cached
// cluster-wide. A status update that carries none keeps the server's set.
func trimInformerCaches(c *vknode.PodControllerConfig) error {
	informers := map[string]cache.SharedIndexInformer{
		"pods":       c.PodInformer.Informer(),
		"secrets":    c.SecretInformer.Informer(),
		"configmaps": c.ConfigMapInformer.Informer(),
		"services":   c.ServiceInformer.Informer(),
	}
	for resource, inf := range informers {
		if err := inf.SetTransform(stripManagedFields); err != nil {
			return fmt.Errorf("drop managedFields from the %s informer: %w", resource, err)
		}
	}
	return nil
}

// stripManagedFields is a cache.TransformFunc. Tombstones and objects
// without metadata pass through unchanged.
func stripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
