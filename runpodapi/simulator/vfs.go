package simulator

import (
	"io/fs"
	"path"
	"slices"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// vfs is the per-boot filesystem of an emulated container: the files and
// directories the runpod-kubelet wrapper makes, and its working directory.
// Image contents are not modelled: besides the wrapper's, only the
// directories of imageDirs exist.
type vfs struct {
	files   map[string]vfile // absolute, clean path → file
	dirs    map[string]bool  // absolute, clean paths
	workdir string
}

type vfile struct {
	data []byte
	mode fs.FileMode
}

func newVFS() *vfs {
	return &vfs{files: map[string]vfile{}, dirs: map[string]bool{"/": true}, workdir: "/"}
}

// abs resolves name against the working directory.
func (v *vfs) abs(name string) string {
	if !path.IsAbs(name) {
		name = path.Join(v.workdir, name)
	}
	return path.Clean(name)
}

// mkdirAll is mkdir -p; false when a file is in the way.
func (v *vfs) mkdirAll(dir string) bool {
	dir = v.abs(dir)
	for d := dir; ; d = path.Dir(d) {
		if _, isFile := v.files[d]; isFile {
			return false
		}
		if d == "/" {
			break
		}
	}
	for d := dir; d != "/"; d = path.Dir(d) {
		v.dirs[d] = true
	}
	return true
}

// write creates or replaces a file, making its parent directories; false
// when the path is a directory or a file is in the way.
func (v *vfs) write(name string, data []byte, mode fs.FileMode) bool {
	p := v.abs(name)
	if v.dirs[p] || !v.mkdirAll(path.Dir(p)) {
		return false
	}
	v.files[p] = vfile{data: data, mode: mode}
	return true
}

// readErr is why a read failed, in cat's words.
type readErr string

const (
	errNoFile readErr = "No such file or directory"
	errIsDir  readErr = "Is a directory"
)

// read returns a file's content, or why it cannot.
func (v *vfs) read(name string) ([]byte, readErr) {
	p := v.abs(name)
	if f, ok := v.files[p]; ok {
		return f.data, ""
	}
	if v.dirs[p] {
		return nil, errIsDir
	}
	return nil, errNoFile
}

// children are the base names of the files and directories right under dir
// (absolute and clean), sorted.
func (v *vfs) children(dir string) []string {
	var out []string
	add := func(p string) {
		if p != "/" && path.Dir(p) == dir {
			out = append(out, path.Base(p))
		}
	}
	for p := range v.files {
		add(p)
	}
	for p := range v.dirs {
		add(p)
	}
	slices.Sort(out)
	return out
}

// imageDirs are the directories every simulated image has: root's home,
// /tmp and the pod's volume mount, so a kubectl cp has somewhere to land.
func imageDirs(m runpodapi.Mounts) []string {
	out := []string{"/root", "/tmp"}
	if m.Persistent != nil {
		out = append(out, m.Persistent.Path)
	}
	for _, n := range m.Network {
		out = append(out, n.Path)
	}
	return slices.DeleteFunc(out, func(d string) bool { return !path.IsAbs(d) })
}
