// Package node is the virtual node: the Node object runpod-kubelet registers
// (object.go), its conditions and spend annotations (conditions.go), the
// RunPod API health judgement (health.go), and virtual-kubelet's NodeProvider
// (provider.go) plus the NodeController wiring with its Lease (controller.go).
//
// It must not call RunPod or read the environment: the reconcile loop reports
// Health and Spend into the Provider, and app/ supplies Settings. It does not
// re-implement what virtual-kubelet's NodeController does (registration,
// status patches, heartbeats, the Lease).
//
// What virtual-kubelet v1.14.1 node/node.go does with it, read from the
// source (and checked against kubernetes v1.35.4's node registry), which the
// design relies on:
//   - Registration: Run calls NotifyNodeStatus, then ensureNode patches the
//     status of an existing node or, on NotFound, Creates the node given to
//     NewNodeController. Spec (the taint, providerID) is sent only by that
//     Create: an existing node keeps its spec, so changing the taint means
//     deleting the Node.
//   - Updates: the control loop copies Status, Labels and Annotations from each
//     node passed to the NotifyNodeStatus callback and sends a three-way
//     strategic merge patch (old = the virtual-kubelet.io/last-applied-*
//     annotations, new = ours, current = the server's) to the status
//     subresource. The apiserver's node status strategy resets only spec, so
//     labels and annotations in that patch are applied; keys others added
//     survive, and keys we stop sending are removed only if we sent them.
//   - The callback is a blocking send on a one-slot channel drained by the
//     control loop, so Report never calls it: one goroutine pushes the newest
//     node, coalescing reports made while a push waits.
//   - Heartbeats: every status patch stamps LastHeartbeatTime = now on every
//     condition, and the loop re-patches on its own timer (statusInterval,
//     1 min with a Lease), so Report pushes only when a verdict, message or
//     annotation changed.
//   - Ping: while it fails, neither the Lease nor the status is renewed; the
//     node goes NotReady/Unknown, gets the unreachable NoExecute taint, and
//     after ~300 s every pod is evicted, which deletes every RunPod pod. So
//     Ping fails only when its ctx is done, and RunPod outages show only in
//     the RunPodAPIReachable condition.
//   - Ready: with a custom NodeProvider nothing marks the node Ready (nodeutil
//     does it only for its naive provider), so NewObject and every report set
//     Ready and the pressure conditions themselves.
package node
