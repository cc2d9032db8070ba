package simulator

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// The runpod-kubelet wrapper, interface version 1. These names mirror
// policy/wrapper.go (and policy/ownership.go's RUNPOD_KUBELET_POD_UID); the
// two must change together. The simulator must not import the kubelet, so
// they are repeated here rather than shared.
//
//	entrypoint  ["/bin/sh", "-c", SCRIPT, "runpod-kubelet"], SCRIPT's first line WrapperHeader
//	cmd         the command to run
//	env         RUNPOD_KUBELET_FILES=<n>; RUNPOD_KUBELET_FILE_<i>_PATH/_MODE/_DATA for i < n;
//	            RUNPOD_KUBELET_DIRS=<dir>:<dir>…; RUNPOD_KUBELET_WORKDIR=<dir>
//	last line   "runpod-kubelet: exit status <n> <RUNPOD_KUBELET_POD_UID>"
const (
	WrapperHeader     = "# runpod-kubelet wrapper v1"
	EnvWrapperFiles   = "RUNPOD_KUBELET_FILES"
	EnvWrapperDirs    = "RUNPOD_KUBELET_DIRS"
	EnvWrapperWorkDir = "RUNPOD_KUBELET_WORKDIR"
	EnvPodUID         = "RUNPOD_KUBELET_POD_UID"
	ExitMarkerPrefix  = "runpod-kubelet: exit status "
)

// envWrapperFile names the variables of file i: its path, mode and data.
func envWrapperFile(i int) (pathVar, modeVar, dataVar string) {
	p := "RUNPOD_KUBELET_FILE_" + strconv.Itoa(i) + "_"
	return p + "PATH", p + "MODE", p + "DATA"
}

// exitMarker is the wrapper's last line for a command that ended with status.
func exitMarker(status int, podUID string) string {
	return fmt.Sprintf("%s%d %s", ExitMarkerPrefix, status, podUID)
}

// wrapperChild recognises the wrapper by its script's first line and returns
// the command it runs ("$@": the words after the script and its $0).
func wrapperChild(argv []string) ([]string, bool) {
	if len(argv) < 3 || path.Base(argv[0]) != "sh" || argv[1] != "-c" {
		return nil, false
	}
	first, _, _ := strings.Cut(argv[2], "\n")
	if strings.TrimRight(first, "\r") != WrapperHeader {
		return nil, false
	}
	if len(argv) < 4 {
		return nil, true
	}
	return argv[4:], true
}

// populateVFS does what the wrapper does before the command: write the
// files, make the directories, enter the working directory. It returns the
// lines the wrapper prints on the way (a file it cannot write), and false
// when it cannot enter the working directory, where the wrapper gives up
// with status 128.
func populateVFS(v *vfs, env map[string]string) ([]string, bool) {
	var lines []string
	n, _ := strconv.Atoi(env[EnvWrapperFiles])
	for i := range max(n, 0) {
		pv, mv, dv := envWrapperFile(i)
		p, m := env[pv], env[mv]
		if !path.IsAbs(p) || !v.write(p, decodePrintfB(env[dv]), 0o644) {
			lines = append(lines, "runpod-kubelet: cannot write "+p)
			continue
		}
		mode, err := strconv.ParseUint(m, 8, 32)
		if err != nil || mode > 0o7777 {
			lines = append(lines, "runpod-kubelet: cannot write "+p) // chmod failed; the file stays 0644
			continue
		}
		f := v.files[v.abs(p)]
		f.mode = fs.FileMode(mode)
		v.files[v.abs(p)] = f
	}
	for _, d := range strings.Split(env[EnvWrapperDirs], ":") {
		if d != "" {
			v.mkdirAll(d)
		}
	}
	if w := env[EnvWrapperWorkDir]; w != "" {
		if !v.mkdirAll(w) {
			return append(lines, "runpod-kubelet: cannot enter "+w), false
		}
		v.workdir = v.abs(w)
	}
	return lines, true
}

// decodePrintfB decodes printf's %b escapes: \0ooo (up to three octal
// digits), \\ \a \b \f \n \r \t \v, and \c, which ends the output; any
// other backslash is literal.
func decodePrintfB(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch e := s[i]; e {
		case '0':
			n := 0
			for j := 0; j < 3 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; j++ {
				n = n*8 + int(s[i+1]-'0')
				i++
			}
			out = append(out, byte(n))
		case 'c':
			return out
		default:
			if b, ok := printfEscapes[e]; ok {
				out = append(out, b)
			} else {
				out = append(out, '\\', e)
			}
		}
	}
	return out
}

var printfEscapes = map[byte]byte{'\\': '\\', 'a': 7, 'b': 8, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11}
