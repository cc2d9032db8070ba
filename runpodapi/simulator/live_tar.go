package simulator

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// tar over the pod's filesystem, enough for kubectl cp both ways:
//
//	tar cf - PATH…  /  tar cf - -C DIR PATH…     (from the pod: kubectl cp pod:PATH .)
//	tar -xmf - [-C DIR]                           (to the pod)
//	tar --no-same-permissions --no-same-owner -xmf - [-C DIR]
//
// with c, x and t; f (- or a file of the pod), C, z, v; m, o, p and the
// --no-same-*/--same-* options accepted as no-ops, except that
// --no-same-permissions applies the umask 022.

// maxTarMember bounds one extracted file: the pod's filesystem is memory.
const maxTarMember = 64 << 20

// tarOptions is a parsed tar command line.
type tarOptions struct {
	mode        byte   // 'c', 'x' or 't'
	file        string // the archive: "-" for stdin or stdout
	dir         string // -C: where names are relative to ("" is the working directory)
	gzip        bool
	verbose     bool
	noSamePerms bool
	paths       []string
}

// tarLongFlags are the long options and the letter each one means; "" is a no-op.
var tarLongFlags = map[string]string{
	"--create": "c", "--extract": "x", "--get": "x", "--list": "t", "--gzip": "z", "--verbose": "v",
	"--touch": "", "--no-same-owner": "", "--same-owner": "", "--preserve-permissions": "",
	"--same-permissions": "", "--no-same-permissions": "", "--overwrite": "", "--no-overwrite-dir": "",
}

func parseTarArgs(args []string) (tarOptions, error) {
	o := tarOptions{file: "-"}
	var takes []*string // letters waiting for their argument, in order
	letters := func(s string) error {
		for _, c := range s {
			switch c {
			case 'c', 'x', 't':
				if o.mode != 0 && o.mode != byte(c) {
					return errors.New("You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option")
				}
				o.mode = byte(c)
			case 'f':
				takes = append(takes, &o.file)
			case 'C':
				takes = append(takes, &o.dir)
			case 'z':
				o.gzip = true
			case 'v':
				o.verbose = true
			case 'm', 'o', 'p':
			default:
				return fmt.Errorf("invalid option -- '%c'", c)
			}
		}
		return nil
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") { // old style: tar cf ARCHIVE …
		if err := letters(args[0]); err != nil {
			return o, err
		}
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case len(takes) > 0 && (!strings.HasPrefix(a, "-") || a == "-"):
			*takes[0], takes = a, takes[1:]
		case len(takes) > 0:
			return o, fmt.Errorf("option requires an argument -- '%s'", a)
		case strings.HasPrefix(a, "--directory="):
			o.dir = strings.TrimPrefix(a, "--directory=")
		case strings.HasPrefix(a, "--file="):
			o.file = strings.TrimPrefix(a, "--file=")
		case a == "--no-same-permissions":
			o.noSamePerms = true
		case strings.HasPrefix(a, "--"):
			letter, known := tarLongFlags[a]
			if !known {
				return o, fmt.Errorf("unrecognized option '%s'", a)
			}
			if err := letters(letter); err != nil {
				return o, err
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// -xmf - and -f- alike: a letter that takes an argument takes the rest of the word, if any.
			for j, c := range a[1:] {
				if err := letters(string(c)); err != nil {
					return o, err
				}
				if rest := a[2+j:]; (c == 'f' || c == 'C') && rest != "" {
					*takes[len(takes)-1], takes = rest, takes[:len(takes)-1]
					break
				}
			}
		default:
			o.paths = append(o.paths, a)
		}
	}
	switch {
	case len(takes) > 0:
		return o, errors.New("option requires an argument")
	case o.mode == 0:
		return o, errors.New("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options")
	case o.mode == 'c' && len(o.paths) == 0:
		return o, errors.New("Cowardly refusing to create an empty archive")
	}
	return o, nil
}

// tar runs the tar program; its status is 2 on any failure, as GNU tar's.
func (sh *liveShell) tar(args []string) {
	o, err := parseTarArgs(args)
	if err != nil {
		sh.errorf("tar: %s\nTry 'tar --help' or 'tar --usage' for more information.", err)
		sh.status = 2
		return
	}
	base := sh.cwd
	if o.dir != "" {
		base = sh.abs(o.dir)
	}
	isDir := false
	sh.fs.do(func(v *vfs) { isDir = v.dirs[base] })
	if !isDir {
		sh.errorf("tar: %s: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now", o.dir)
		sh.status = 2
		return
	}
	ok := false
	if o.mode == 'c' {
		ok = sh.tarCreate(o, base)
	} else {
		ok = sh.tarRead(o, base)
	}
	if !ok {
		sh.errorf("tar: Exiting with failure status due to previous errors")
		sh.status = 2
	}
}

// tarMember is one entry of an archive being made.
type tarMember struct {
	name string
	dir  bool
	data []byte
	mode fs.FileMode
}

// tarCreate writes the archive of o.paths, names relative to base as given,
// without a leading "/", directories recursively in name order.
func (sh *liveShell) tarCreate(o tarOptions, base string) bool {
	var members []tarMember
	ok, stripped := true, false
	for _, arg := range o.paths {
		name := strings.TrimLeft(path.Clean(arg), "/")
		if name == "" {
			name = "."
		}
		if strings.HasPrefix(arg, "/") && !stripped {
			stripped = true
			sh.errorf("tar: Removing leading `/' from member names")
		}
		p := arg
		if !path.IsAbs(p) {
			p = path.Join(base, p)
		}
		found := false
		sh.fs.do(func(v *vfs) { found = collectMembers(v, path.Clean(p), name, &members) })
		if !found {
			sh.errorf("tar: %s: Cannot stat: No such file or directory", arg)
			ok = false
		}
	}
	var archive bytes.Buffer
	var out io.Writer = &archive
	var zw *gzip.Writer
	if o.gzip {
		zw = gzip.NewWriter(&archive)
		out = zw
	}
	tw := tar.NewWriter(out)
	now := sh.now()
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: int64(m.mode.Perm()), Size: int64(len(m.data)), ModTime: now, Typeflag: tar.TypeReg, Uname: "root", Gname: "root"}
		if m.dir {
			hdr.Name, hdr.Mode, hdr.Size, hdr.Typeflag = m.name+"/", 0o755, 0, tar.TypeDir
		}
		if o.verbose {
			sh.errorf("%s", hdr.Name)
		}
		_ = tw.WriteHeader(hdr) // into memory: only a name too long for every format fails, and none is
		_, _ = tw.Write(m.data)
	}
	_ = tw.Close()
	if zw != nil {
		_ = zw.Close()
	}
	return sh.writeArchive(o.file, archive.Bytes()) && ok
}

// collectMembers adds p (named name in the archive) and, for a directory,
// everything under it; false when p does not exist.
func collectMembers(v *vfs, p, name string, out *[]tarMember) bool {
	if f, ok := v.files[p]; ok {
		*out = append(*out, tarMember{name: name, data: slices.Clone(f.data), mode: f.mode})
		return true
	}
	if !v.dirs[p] {
		return false
	}
	*out = append(*out, tarMember{name: name, dir: true})
	for _, child := range v.children(p) {
		collectMembers(v, path.Join(p, child), name+"/"+child, out)
	}
	return true
}

// writeArchive sends the archive to stdout ("-") or into a file of the pod.
func (sh *liveShell) writeArchive(file string, data []byte) bool {
	if file == "-" {
		_, _ = sh.stdout.Write(data)
		return true
	}
	ok := false
	sh.fs.do(func(v *vfs) { ok = v.write(sh.abs(file), data, 0o644) })
	if !ok {
		sh.errorf("tar: %s: Cannot open: Is a directory", file)
	}
	return ok
}

// tarRead extracts (x) or lists (t) the archive into base.
func (sh *liveShell) tarRead(o tarOptions, base string) bool {
	in := sh.stdin
	if o.file != "-" {
		data, found := sh.readFile(o.file)
		if !found {
			sh.errorf("tar: %s: Cannot open: No such file or directory", o.file)
			return false
		}
		in = bytes.NewReader(data)
	}
	if o.gzip {
		zr, err := gzip.NewReader(in)
		if err != nil {
			sh.errorf("tar: Child returned status 1\ngzip: stdin: not in gzip format")
			return false
		}
		in = zr
	}
	tr := tar.NewReader(in)
	ok, stripped := true, false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return ok
		}
		if err != nil {
			sh.errorf("tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now")
			return false
		}
		name := strings.TrimLeft(hdr.Name, "/")
		if name != hdr.Name && !stripped {
			stripped = true
			sh.errorf("tar: Removing leading `/' from member names")
		}
		if o.verbose || o.mode == 't' {
			sh.printf("%s\n", hdr.Name)
		}
		if o.mode == 't' {
			continue
		}
		if slices.Contains(strings.Split(name, "/"), "..") {
			sh.errorf("tar: %s: Member name contains '..'", hdr.Name)
			ok = false
			continue
		}
		if why := sh.extract(tr, hdr, path.Join(base, name), o.noSamePerms); why != "" {
			sh.errorf("tar: %s: %s", hdr.Name, why)
			ok = ok && strings.HasPrefix(why, "Warning")
		}
	}
}

// extract writes one member at target; it returns why it could not.
func (sh *liveShell) extract(tr *tar.Reader, hdr *tar.Header, target string, noSamePerms bool) string {
	switch hdr.Typeflag {
	case tar.TypeDir:
		made := false
		sh.fs.do(func(v *vfs) { made = v.mkdirAll(target) })
		if !made {
			return "Cannot mkdir: Not a directory"
		}
		return ""
	case tar.TypeReg:
	default:
		return "Warning: not extracted: links and special files are not emulated by the RunPod simulator"
	}
	data, err := io.ReadAll(io.LimitReader(tr, maxTarMember+1))
	switch {
	case err != nil:
		return "Cannot write: " + err.Error()
	case len(data) > maxTarMember:
		return fmt.Sprintf("Cannot write: larger than the simulator's limit of %d bytes", maxTarMember)
	}
	mode := fs.FileMode(hdr.Mode).Perm()
	if noSamePerms {
		mode &^= 0o022
	}
	written := false
	sh.fs.do(func(v *vfs) { written = v.write(target, data, mode) })
	if !written {
		return "Cannot open: Is a directory"
	}
	return ""
}
