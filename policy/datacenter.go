package policy

import (
	"fmt"
	"strings"
)

// AnnotationDataCenterIDs is a comma list of data centers the pod may run in;
// it must stay inside the node's allow-list.
const AnnotationDataCenterIDs = "runpod.io/datacenter-ids"

func parseDataCenterIDs(v string, a *Annotations) string {
	ids := splitList(v)
	if len(ids) == 0 {
		return fmt.Sprintf("%q lists no data center ids", v)
	}
	for _, id := range ids {
		if !isToken(id) {
			return fmt.Sprintf("%q is not a data center id", id)
		}
	}
	a.DataCenterIDs = ids
	return ""
}

// allowedDataCenters intersects the node's allow-list with the pod's list.
// A pod id outside a non-empty allow-list is refused (never a silent widening);
// ids match case-insensitively and keep the node's spelling. An empty result
// means "let RunPod choose" and happens only when neither side names any.
func allowedDataCenters(node []string, a *Annotations) ([]string, error) {
	allow := splitList(strings.Join(node, ","))
	if a.DataCenterIDs == nil {
		return allow, nil
	}
	if len(allow) == 0 {
		return append([]string(nil), a.DataCenterIDs...), nil
	}
	var out []string
	for _, id := range a.DataCenterIDs {
		i := indexFold(allow, id)
		if i < 0 {
			return nil, refused(a.field(AnnotationDataCenterIDs), fmt.Sprintf(
				"%q is outside this node's allowed data centers (%s)", id, strings.Join(allow, ", ")))
		}
		if indexFold(out, allow[i]) < 0 {
			out = append(out, allow[i])
		}
	}
	return out, nil
}

// indexFold is the index of s in list, ignoring case, or -1.
func indexFold(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}
