package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Name format: rpk-<cluster>-<node>-<hash>-<podUID>
//
//   - <cluster>, <node>: the cluster id and node name lower-cased, runs of
//     other characters than [a-z0-9] turned into one '-', cut to 24 and 80
//     characters: for people reading the RunPod console only.
//   - <hash>: 10 hex digits of SHA-256("<len>:<clusterID><len>:<nodeName>"): what
//     tells two clusters or nodes apart, even when their readable parts collide.
//   - <podUID>: the Kubernetes pod UID as is (1–64 of [A-Za-z0-9-]).
//
// The longest name is 4+24+1+80+1+10+1+64 = 185 characters, under RunPod's 191.
const (
	NamePrefix      = "rpk-"
	maxNameLength   = 191
	clusterSlugLen  = 24
	nodeSlugLen     = 80
	nameHashHexLen  = 10
	maxPodUIDLength = 64
)

// Name is the RunPod pod name for one Kubernetes pod: deterministic, unique per
// (cluster, node, pod UID), so a create can be looked up by name before it is
// retried and a garbage collector can tell its own pods from anyone else's.
func Name(clusterID, nodeName, podUID string) (string, error) {
	if clusterID == "" || nodeName == "" {
		return "", fmt.Errorf("name RunPod pod: cluster id and node name must not be empty")
	}
	if !validPodUID(podUID) {
		return "", fmt.Errorf("name RunPod pod: pod UID %q is not 1 to %d of [A-Za-z0-9-]", podUID, maxPodUIDLength)
	}
	return namePrefix(clusterID, nodeName) + podUID, nil
}

// OwnedBy reports whether name is a RunPod pod name this cluster's node made,
// and for which pod UID. Names of other clusters or nodes, and hand-made
// names, do not match.
func OwnedBy(name, clusterID, nodeName string) (podUID string, ok bool) {
	if clusterID == "" || nodeName == "" {
		return "", false
	}
	uid, found := strings.CutPrefix(name, namePrefix(clusterID, nodeName))
	if !found || !validPodUID(uid) {
		return "", false
	}
	return uid, true
}

// namePrefix is everything of the name but the pod UID.
func namePrefix(clusterID, nodeName string) string {
	// Length-prefixed, so no two (cluster, node) pairs hash the same input.
	sum := sha256.Sum256(fmt.Appendf(nil, "%d:%s%d:%s", len(clusterID), clusterID, len(nodeName), nodeName))
	return NamePrefix + slug(clusterID, clusterSlugLen) + "-" + slug(nodeName, nodeSlugLen) + "-" +
		hex.EncodeToString(sum[:])[:nameHashHexLen] + "-"
}

// slug is s lower-cased, reduced to [a-z0-9-], at most max characters, never empty.
func slug(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= max {
			break
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "x"
	}
	return out
}

func validPodUID(uid string) bool {
	if uid == "" || len(uid) > maxPodUIDLength {
		return false
	}
	for _, r := range uid {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
