package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// RunPod reports no exit code (EXITED or ERROR is all there is), so the
// container runs the pod's command under a small POSIX sh wrapper: it
// writes the pod's files (ConfigMap, Secret, downward API and projected
// volumes) and creates its emptyDirs, changes to workingDir, runs the
// command, forwards SIGTERM and SIGINT to it (a stop reaches the command),
// waits for it and prints one marker line with its exit status as the
// container log's last line, which the kubelet reads when RunPod says
// EXITED. It needs /bin/sh in the image; files need nothing else (printf
// %b decodes them).
//
// The wrapper's interface, version 1 — the simulator emulates it, so change
// both together (runpodapi/simulator/wrapper.go):
//
//	entrypoint  ["/bin/sh", "-c", WrapperScript, WrapperArgv0]
//	cmd         the command to run, as argv ("$@")
//	env         RUNPOD_KUBELET_FILES=<n>; for i in 0..n-1:
//	            RUNPOD_KUBELET_FILE_<i>_PATH (absolute), RUNPOD_KUBELET_FILE_<i>_MODE
//	            (octal, 0644), RUNPOD_KUBELET_FILE_<i>_DATA (EncodeFileData);
//	            RUNPOD_KUBELET_DIRS=<dir>:<dir>… (emptyDirs); RUNPOD_KUBELET_WORKDIR=<dir>
//	last line   "runpod-kubelet: exit status <n> <pod UID>" (ExitMarker)
const (
	WrapperShell = "/bin/sh"
	WrapperArgv0 = "runpod-kubelet"

	EnvFiles   = OwnershipEnvPrefix + "FILES"
	EnvDirs    = OwnershipEnvPrefix + "DIRS"
	EnvWorkDir = OwnershipEnvPrefix + "WORKDIR"

	// ExitMarkerPrefix starts the wrapper's last log line.
	ExitMarkerPrefix = "runpod-kubelet: exit status "
)

// EnvFile names the variables of file i: its path, mode and data.
func EnvFile(i int) (path, mode, data string) {
	p := OwnershipEnvPrefix + "FILE_" + strconv.Itoa(i) + "_"
	return p + "PATH", p + "MODE", p + "DATA"
}

// WrapperHeader is the wrapper script's first line: its name and version.
const WrapperHeader = "# runpod-kubelet wrapper v1"

// IsWrapped reports whether a RunPod pod's entrypoint is the wrapper.
func IsWrapped(entrypoint []string) bool {
	return len(entrypoint) >= 3 && entrypoint[0] == WrapperShell && entrypoint[1] == "-c" &&
		strings.HasPrefix(entrypoint[2], WrapperHeader+"\n")
}

// WrapperScript is the wrapper, its first line WrapperHeader.
const WrapperScript = WrapperHeader + `
n=${RUNPOD_KUBELET_FILES:-0}; i=0
while [ "$i" -lt "$n" ]; do
  eval "f=\${RUNPOD_KUBELET_FILE_${i}_PATH} m=\${RUNPOD_KUBELET_FILE_${i}_MODE} d=\${RUNPOD_KUBELET_FILE_${i}_DATA}"
  mkdir -p "${f%/*}" && printf '%b' "$d" > "$f" && chmod "$m" "$f" || echo "runpod-kubelet: cannot write $f" >&2
  unset "RUNPOD_KUBELET_FILE_${i}_PATH" "RUNPOD_KUBELET_FILE_${i}_MODE" "RUNPOD_KUBELET_FILE_${i}_DATA"
  i=$((i+1))
done
IFS=:; for d in ${RUNPOD_KUBELET_DIRS:-}; do mkdir -p "$d"; done; unset IFS
if [ -n "${RUNPOD_KUBELET_WORKDIR:-}" ]; then
  mkdir -p "$RUNPOD_KUBELET_WORKDIR" && cd "$RUNPOD_KUBELET_WORKDIR" || { echo "runpod-kubelet: cannot enter $RUNPOD_KUBELET_WORKDIR" >&2; echo "runpod-kubelet: exit status 128 ${RUNPOD_KUBELET_POD_UID:-}"; exit 128; }
fi
unset RUNPOD_KUBELET_FILES RUNPOD_KUBELET_DIRS RUNPOD_KUBELET_WORKDIR f m d
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
while :; do
  wait "$child"; status=$?
  kill -0 "$child" 2>/dev/null || break
done
echo "runpod-kubelet: exit status $status ${RUNPOD_KUBELET_POD_UID:-}"
exit "$status"
`

// EncodeFileData escapes content for the wrapper's printf %b: every byte
// but letters, digits and " ./_-" becomes \0ooo, so any binary survives.
func EncodeFileData(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" ./_-", c) >= 0 {
			s.WriteByte(c)
			continue
		}
		fmt.Fprintf(&s, `\0%03o`, c)
	}
	return s.String()
}

// ParseExitMarker reads the wrapper's marker line for the pod UID: the exit
// status, and whether line is that marker.
func ParseExitMarker(line, podUID string) (int32, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), ExitMarkerPrefix)
	if !ok {
		return 0, false
	}
	code, uid, _ := strings.Cut(rest, " ")
	if uid != podUID {
		return 0, false
	}
	n, err := strconv.ParseInt(code, 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int32(n), true
}
