// Package bench measures runpod-kubelet on a real control plane on
// 127.0.0.1 (tests/cluster) with the RunPod v2 simulator in-process, the
// kubelet binary (built without -race) as its own process, and a per-pod
// polling baseline — the old project's way of reading status — run against
// the same simulator in the same run.
//
// TestScale puts 1, 100 and 1,000 pods on one virtual node at a raised
// quota and writes a markdown table (RunPod requests per round and per
// minute, status lag, bound → create, a 100-pod burst, leader handover and
// takeover, RSS and CPU) to RPK_BENCH_OUT. TestQuota runs at the spec's
// example quota with paginated listings — bursts against the quota-bound
// minimum, steady state at 1, 100 and 1,000 pods beside the baseline on its
// own API key, two kubelets on one key — and writes its table to
// RPK_BENCH_QUOTA_OUT. scripts/bench.sh runs both and writes
// bench/RESULTS.md. Targets are read from the tables, not asserted: a
// scenario fails only when it cannot measure.
//
// It runs only with RPK_BENCH=1, so neither `go test ./...` nor the
// end-to-end run executes it.
package bench
