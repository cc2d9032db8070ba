package node

import (
	"fmt"
	"math"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The node's own conditions beside the kubelet ones. They inform people and
// alerts; they never touch Ready, because a node that is not Ready has every
// pod evicted, and evicting deletes the RunPod pods.
const (
	ConditionRunPodAPIReachable corev1.NodeConditionType = "RunPodAPIReachable"
	ConditionRunPodSpend        corev1.NodeConditionType = "RunPodSpend"
	// ConditionRunPodListing is True while GET /v2/pods can be believed:
	// every page read and no sudden loss of most pods. False says why
	// (podsync's ListingIncomplete or ListingSuspect): nothing is then
	// declared missing, orphaned or absent from the listing.
	ConditionRunPodListing corev1.NodeConditionType = "RunPodListing"

	ReasonNotReportedYet       = "NotReportedYet"
	ReasonRunPodAPIReachable   = "RunPodAPIReachable"
	ReasonRunPodAPIUnreachable = "RunPodAPIUnreachable"
	ReasonWithinSpendCap       = "WithinSpendCap"
	ReasonNoSpendCap           = "NoSpendCap"
	ReasonSpendCapReached      = "SpendCapReached"
)

// Node annotations carrying the RunPodSpend figures for scripts and alerts:
// "2.07" ($/h, two decimals) and "3". Absent until the first spend report.
const (
	AnnotationHourlySpend = "runpod.io/hourly-spend"
	AnnotationPodCount    = "runpod.io/pod-count"
)

// maxErrorMessage bounds the last RunPod error copied into a condition.
const maxErrorMessage = 512

// Health is whether RunPod's API answers, as a HealthTracker judges it.
type Health struct {
	Reachable bool
	LastError string    // the latest outage error; empty after a success
	Since     time.Time // when the current Reachable value began (first failure of an outage)
	Failures  int       // consecutive outage failures
}

// Spend is the live RunPod bill of this node: every RunPod pod it owns.
type Spend struct {
	HourlyUSD float64
	Pods      int
}

// ApplyConditions sets Ready and the pressure conditions, RunPodAPIReachable,
// RunPodSpend and the spend annotations on n. LastTransitionTime moves only
// when a condition's Status changes; LastHeartbeatTime is now. capUSD <= 0
// means no cap.
func ApplyConditions(n *corev1.Node, h Health, sp Spend, capUSD float64, now metav1.Time) {
	applyKubeletConditions(n, now)
	applyReachability(n, h, now)
	applySpend(n, sp, capUSD, now)
}

// applyKubeletConditions is what a healthy kubelet reports: nothing else
// marks a custom NodeProvider's node Ready.
func applyKubeletConditions(n *corev1.Node, now metav1.Time) {
	for _, c := range []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "runpod-kubelet is posting ready status; RunPod API health is in " + string(ConditionRunPodAPIReachable)},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure",
			Message: "RunPod pods do not use this node's disk"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory",
			Message: "RunPod pods do not use this node's memory"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID",
			Message: "RunPod pods do not use this node's PIDs"},
		{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse, Reason: "RunPodNetworking",
			Message: "RunPod pods use RunPod's network"},
	} {
		setCondition(n, c, now)
	}
}

func applyReachability(n *corev1.Node, h Health, now metav1.Time) {
	c := corev1.NodeCondition{
		Type:    ConditionRunPodAPIReachable,
		Status:  corev1.ConditionTrue,
		Reason:  ReasonRunPodAPIReachable,
		Message: "the RunPod API answers",
	}
	if !h.Reachable {
		c.Status = corev1.ConditionFalse
		c.Reason = ReasonRunPodAPIUnreachable
		c.Message = unreachableMessage(h)
	}
	setCondition(n, c, now)
}

func unreachableMessage(h Health) string {
	msg := "RunPod API unreachable"
	if !h.Since.IsZero() {
		msg += " since " + h.Since.UTC().Format(time.RFC3339)
	}
	if h.LastError != "" {
		msg += ": " + truncate(h.LastError, maxErrorMessage)
	}
	return msg
}

func applySpend(n *corev1.Node, sp Spend, capUSD float64, now metav1.Time) {
	c := corev1.NodeCondition{
		Type:    ConditionRunPodSpend,
		Status:  corev1.ConditionTrue,
		Reason:  ReasonNoSpendCap,
		Message: fmt.Sprintf("%s, $%s/h, no cap", podsText(sp.Pods), usd(sp.HourlyUSD)),
	}
	if capUSD > 0 {
		c.Reason = ReasonWithinSpendCap
		c.Message = fmt.Sprintf("%s, $%s/h of $%s/h cap", podsText(sp.Pods), usd(sp.HourlyUSD), usd(capUSD))
		if capReached(sp.HourlyUSD, capUSD) {
			c.Status = corev1.ConditionFalse
			c.Reason = ReasonSpendCapReached
		}
	}
	setCondition(n, c, now)
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	n.Annotations[AnnotationHourlySpend] = usd(sp.HourlyUSD)
	n.Annotations[AnnotationPodCount] = strconv.Itoa(sp.Pods)
}

// capReached compares whole cents, as the message shows them, so the status
// never contradicts "$10.00/h of $10.00/h cap".
func capReached(spendUSD, capUSD float64) bool {
	return math.Round(spendUSD*100) >= math.Round(capUSD*100)
}

func capText(capUSD float64) string {
	if capUSD > 0 {
		return "cap $" + usd(capUSD) + "/h"
	}
	return "no cap"
}

func podsText(pods int) string {
	if pods == 1 {
		return "1 RunPod pod"
	}
	return strconv.Itoa(pods) + " RunPod pods"
}

func usd(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// setCondition upserts c by type, keeping LastTransitionTime while the Status
// holds.
func setCondition(n *corev1.Node, c corev1.NodeCondition, now metav1.Time) {
	c.LastHeartbeatTime = now
	c.LastTransitionTime = now
	for i := range n.Status.Conditions {
		old := &n.Status.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return
	}
	n.Status.Conditions = append(n.Status.Conditions, c)
}

func truncate(s string, limit int) string {
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit]) + "…"
}

// ApplyListing sets RunPodListing on n.
func ApplyListing(n *corev1.Node, trusted bool, reason, message string, now metav1.Time) {
	c := corev1.NodeCondition{Type: ConditionRunPodListing, Status: corev1.ConditionTrue, Reason: reason, Message: truncate(message, maxErrorMessage)}
	if !trusted {
		c.Status = corev1.ConditionFalse
	}
	setCondition(n, c, now)
}
