// Package bench measures runpod-kubelet at 1, 100 and 1,000 pods on one
// virtual node: a real control plane on 127.0.0.1 (tests/cluster), the RunPod
// v2 simulator in-process, the kubelet binary (built without -race) as its
// own process, and a per-pod polling baseline — the old project's way of
// reading status — run against the same simulator in the same run.
//
// It writes a markdown table of measured figures (RunPod requests per round
// and per minute, status lag, bound → create, a 100-pod burst, leader
// handover and takeover, RSS and CPU) to RPK_BENCH_OUT; scripts/bench.sh
// runs it and writes bench/RESULTS.md. Targets are read from the table, not
// asserted: the scenario fails only when it cannot measure.
//
// It runs only with RPK_BENCH=1, so neither `go test ./...` nor the
// end-to-end run executes it.
package bench
