#!/usr/bin/env bash
# Measures runpod-kubelet: Go benchmarks of the hot paths (status mapping,
# placement planning, the reconcile round, the RunPod list), then the two
# scenarios of tests/bench on the local control plane with the RunPod
# simulator, and writes the figures with their targets to bench/RESULTS.md:
#  - TestScale: 1, 100 and 1,000 pods on one virtual node at a raised quota,
#    a per-pod polling baseline in the same run, leader handover and takeover;
#  - TestQuota: the spec's example quota (60/min, 3,000/h, 50,000/day) with
#    paginated listings (page sizes 100 and 20): 100- and 500-pod bursts
#    against the quota-bound minimum, steady state at 1, 100 and 1,000 pods
#    beside the baseline on its own API key, two kubelets on one key.
#
#   scripts/bench.sh            # writes bench/RESULTS.md
#   scripts/bench.sh -o -       # prints the results instead
#   scripts/bench.sh -o FILE    # writes FILE
#
# Settings: RPK_BENCH_SCALES=1,100,1000 (TestScale's pod counts);
# RPK_BENCH_QUOTA_SCALES=1,100,1000,100/20,1000/20 (TestQuota's steady pod
# counts, /page size), RPK_BENCH_BURSTS=100,500 (0: none),
# RPK_BENCH_QUOTA_SHARED=100 (pods per kubelet of the two on one key; 0:
# none), RPK_BENCH_QUOTA_SETTLE=1m, RPK_BENCH_QUOTA_WINDOW=2m,
# RPK_BENCH_QUOTA_TRACKS=4 (scenarios side by side),
# RPK_BENCH_STATUS_SHARE=0.25 (STATUS_BUDGET_SHARE passed to the kubelet);
# RPK_BENCH_OVERLAY=FILE (a `go build -overlay` file applied to the kubelet
# binary, to measure a candidate fix before changing the tree). Needs Go and
# openssl; the control plane is built once through the Go module proxy (about
# 7 minutes on 2 cores) and cached. Takes about 35 minutes on 2 cores after
# that (TestScale 10, TestQuota about 20: 60/min makes a 500-pod burst take
# over 8 minutes); run nothing else heavy meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

out=bench/RESULTS.md
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out="$2"; shift 2 ;;
	-h | --help) sed -n '2,29p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
profiles=bench/profiles
mkdir -p "$profiles"
steps=()
t_start=$(now_ms)
# The tree as the binaries are built, not as it is when the run ends.
commit="\`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$(git diff --quiet HEAD 2>/dev/null || echo ' with local changes')"
step() { # name, start time (now_ms): a row of the Steps table, printed at the end
	steps+=("$1|$(secs_since "$2")")
}

echo "== control plane binaries" >&2
t=$(now_ms)
RPK_BIN_DIR=$(scripts/controlplane-build.sh)
export RPK_BIN_DIR
step "control plane binaries (scripts/controlplane-build.sh)" "$t"

echo "== Go benchmarks (policy, podsync, runpodapi)" >&2
t=$(now_ms)
go test -run '^$' -bench . -benchmem ./policy/ ./podsync/ ./runpodapi/... | tee "$work/bench.txt" >&2
step "Go benchmarks" "$t"

echo "== scale scenario (RPK_BENCH=1 go test -run '^TestScale\$' ./tests/bench/)" >&2
t=$(now_ms)
rm -f "$profiles"/*.pprof
scenario_rc=0
RPK_BENCH=1 RPK_BENCH_OUT="$work/scenario.md" RPK_BENCH_PROFILES="$PWD/$profiles" \
	go test -count=1 -timeout 30m -v -run '^TestScale$' ./tests/bench/ >"$work/scenario.log" 2>&1 || scenario_rc=$?
step "scale scenario (control plane, 1/100/1,000 pods, HA)" "$t"
if [ "$scenario_rc" -ne 0 ]; then
	echo "bench.sh: the scale scenario failed (exit $scenario_rc); last lines of its log:" >&2
	grep -v '^\s*[IEW][0-9]\{4\} ' "$work/scenario.log" | tail -60 >&2
fi

echo "== quota scenario (RPK_BENCH=1 go test -run '^TestQuota\$' ./tests/bench/)" >&2
t=$(now_ms)
quota_rc=0
RPK_BENCH=1 RPK_BENCH_QUOTA_OUT="$work/quota.md" \
	go test -count=1 -timeout 45m -v -run '^TestQuota$' ./tests/bench/ >"$work/quota.log" 2>&1 || quota_rc=$?
step "quota scenario (the spec's example quota: bursts, steady 1/100/1,000 pods, two kubelets on one key)" "$t"
if [ "$quota_rc" -ne 0 ]; then
	echo "bench.sh: the quota scenario failed (exit $quota_rc); last lines of its log:" >&2
	grep -v '^\s*[IEW][0-9]\{4\} ' "$work/quota.log" | tail -60 >&2
fi

# bench_table turns `go test -bench` output into a markdown table.
bench_table() {
	echo "| benchmark | package | iterations | ns/op | B/op | allocs/op | other |"
	echo "|---|---|---:|---:|---:|---:|---|"
	awk '
		/^pkg: / { pkg = $2; sub(/^github.com\/runpod-kubelet\/runpod-kubelet\//, "", pkg) }
		/^Benchmark/ {
			ns = "—"; b = "—"; allocs = "—"; other = ""
			for (i = 3; i < NF; i += 2) {
				if ($(i+1) == "ns/op") ns = $i
				else if ($(i+1) == "B/op") b = $i
				else if ($(i+1) == "allocs/op") allocs = $i
				else other = other (other == "" ? "" : ", ") $i " " $(i+1)
			}
			printf "| `%s` | %s | %s | %s | %s | %s | %s |\n", $1, pkg, $2, ns, b, allocs, other
		}' "$1"
}

{
	echo "# runpod-kubelet benchmark results"
	echo
	echo "Written by \`scripts/bench.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit,"
	echo "$(go version | cut -d' ' -f3-), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ×" \
		"$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; control plane, simulator," \
		"kubelet and baseline all share those cores. Targets are read from the table, not asserted."
	echo
	if [ -s "$work/scenario.md" ]; then
		cat "$work/scenario.md"
	else
		echo "## Scenario"
		echo
		echo "The scenario did not finish (exit $scenario_rc); see the log of \`RPK_BENCH=1 go test -v -run '^TestScale\$' ./tests/bench/\`."
	fi
	echo
	if [ -s "$work/quota.md" ]; then
		cat "$work/quota.md"
	else
		echo "## Scenario: the spec's example quota, paginated listings"
		echo
		echo "The scenario did not finish (exit $quota_rc); see the log of \`RPK_BENCH=1 go test -v -run '^TestQuota\$' ./tests/bench/\`."
	fi
	echo
	echo "## Go benchmarks of the hot paths"
	echo
	echo "\`go test -run '^\$' -bench . -benchmem ./policy/ ./podsync/ ./runpodapi/...\`: status mapping of 1,000"
	echo "pods (\`BenchmarkBuildStatus1000\`), plan building against a full catalog (\`BenchmarkPlanFullCatalog\`),"
	echo "the reconcile diff — one steady round over 1,000 pods against the in-process simulator"
	echo "(\`BenchmarkRound1000\`) — and the 1,000-pod RunPod list on both sides of the wire."
	echo
	bench_table "$work/bench.txt"
	shopt -s nullglob
	profs=("$profiles"/*.pprof)
	if [ ${#profs[@]} -gt 0 ]; then
		echo
		echo "## Kubelet profiles"
		echo
		echo "Saved in \`$profiles/\` (not committed); \`go tool pprof -top FILE\` reads them."
		for p in "${profs[@]}"; do
			echo
			echo "\`$(basename "$p")\`, top entries:"
			echo
			echo '```'
			go tool pprof -top -nodecount=12 "$p" 2>/dev/null | sed -n '/^Showing nodes/,$p'
			echo '```'
		done
	fi
	echo
	echo "## Steps"
	echo
	echo "| step | seconds |"
	echo "|---|---:|"
	slowest="" slowest_s=-1
	for s in "${steps[@]}"; do
		name=${s%|*} secs=${s##*|}
		echo "| $name | $secs |"
		if [ "$secs" -gt "$slowest_s" ]; then slowest=$name slowest_s=$secs; fi
	done
	echo "| total | $(secs_since "$t_start") |"
	echo
	echo "Slowest step: $slowest (${slowest_s} s)."
} >"$work/RESULTS.md"

if [ "$out" = "-" ]; then
	cat "$work/RESULTS.md"
else
	mkdir -p "$(dirname "$out")"
	cp "$work/RESULTS.md" "$out"
	echo "bench.sh: wrote $out" >&2
fi
if [ "$scenario_rc" -ne 0 ]; then exit "$scenario_rc"; fi
exit "$quota_rc"
