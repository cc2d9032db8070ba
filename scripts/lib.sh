# shellcheck shell=bash
# Helpers the scripts share; sourced, never run. Each keeps its caller's output as it was.

# now_ms: the one clock every step timer reads, in milliseconds since the epoch.
now_ms() { date +%s%3N; }

# secs_since START_MS: whole seconds since START_MS, for step lines and tables alike.
secs_since() { echo $((($(now_ms) - $1) / 1000)); }

# step_begin TEXT: start timing a step and print TEXT padded, so step_end's times line up.
step_begin() {
	STEP_START_MS=$(now_ms)
	printf '%-62s' "$1"
}

# step_end: finish step_begin's line with the step's seconds ("12s").
step_end() { echo "$(secs_since "$STEP_START_MS")s"; }

# step_line START_MS TEXT: one indented line for a finished step, in tenths of a second.
step_line() { printf '  %-44s %5.1fs\n' "$2" "$(($(now_ms) - $1))e-3"; }

# pid_alive FILE [EXE]: FILE names a live process; with EXE, one running that binary
# (/proc/<pid>/exe guards against a recycled pid).
pid_alive() {
	local pid
	pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] || return 1
	if [ -n "${2:-}" ]; then
		[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = "$2" ]
	else
		kill -0 "$pid" 2>/dev/null
	fi
}

# stop_pids [--exe] FILE...: TERM the processes pid files name, all at once so
# their grace overlaps, KILL what is left after 5 s, and remove the files. With
# --exe each file is named after its binary (etcd.pid), which pid_alive checks.
stop_pids() {
	local exe="" f i left=() live=()
	if [ "${1:-}" = --exe ]; then exe=1; shift; fi
	for f in "$@"; do
		if pid_alive "$f" "${exe:+$(basename "$f" .pid)}"; then
			kill -TERM "$(cat "$f")" 2>/dev/null || true
			live+=("$f")
		fi
	done
	for ((i = 0; i < 50 && ${#live[@]} > 0; i++)); do
		sleep 0.1
		left=("${live[@]}")
		live=()
		for f in "${left[@]}"; do pid_alive "$f" "${exe:+$(basename "$f" .pid)}" && live+=("$f"); done
	done
	for f in "${live[@]}"; do
		echo "  $(basename "$f" .pid) ignored TERM for 5s: KILL" >&2
		kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
	rm -f "$@"
}

# build_once DIR HAVE: prints DIR and exits when the command HAVE finds the build
# done; otherwise takes DIR/.lock until the script exits, so one caller builds and
# the others wait, then find it done. A done build needs no lock (read-only caches).
build_once() {
	if "$2"; then echo "$1"; exit 0; fi
	mkdir -p "$1"
	exec 9>"$1/.lock"
	flock 9
	if "$2"; then echo "$1"; exit 0; fi
}
