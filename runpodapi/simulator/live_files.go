package simulator

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// The file tools of an SSH session over the pod's filesystem (vfs.go):
// cat, ls, mkdir and test, with the messages and statuses of their GNU
// and dash versions. Nothing is written to the client under the lock: a
// write may wait for the client's window.

// readFile is a file's content (a copy) or false.
func (sh *liveShell) readFile(name string) ([]byte, bool) {
	var data []byte
	ok := false
	sh.fs.do(func(v *vfs) {
		if f, found := v.files[sh.abs(name)]; found {
			data, ok = slices.Clone(f.data), true
		}
	})
	return data, ok
}

// cat copies each file, and stdin for "-" or no operand, to stdout.
func (sh *liveShell) cat(args []string) {
	if len(args) == 0 {
		args = []string{"-"}
	}
	for _, f := range args {
		if f == "-" {
			_, _ = io.Copy(sh.stdout, sh.stdin)
			continue
		}
		var data []byte
		var why readErr
		sh.fs.do(func(v *vfs) {
			data, why = v.read(sh.abs(f))
			data = slices.Clone(data)
		})
		if why != "" {
			sh.errorf("cat: %s: %s", f, why)
			sh.status = 1
			continue
		}
		_, _ = sh.stdout.Write(data)
	}
}

// lsEntry is one name ls prints.
type lsEntry struct {
	name string
	dir  bool
	mode fs.FileMode
	size int
}

// ls lists directories (sorted, one name a line) and names files; -a shows
// dot files, -l the long form, -d a directory itself.
func (sh *liveShell) ls(args []string) {
	opts, operands, bad := splitFlags(args, "alAd1")
	if bad != "" {
		sh.errorf("ls: invalid option -- '%s'", bad)
		sh.status = 2
		return
	}
	if len(operands) == 0 {
		operands = []string{"."}
	}
	var files []lsEntry
	type listing struct {
		name    string
		entries []lsEntry
	}
	var dirs []listing
	var missing []string // reported after the lock: a write may wait on the client
	sh.fs.do(func(v *vfs) {
		for _, op := range operands {
			p := sh.abs(op)
			switch f, isFile := v.files[p]; {
			case isFile:
				files = append(files, lsEntry{name: op, mode: f.mode, size: len(f.data)})
			case v.dirs[p] && strings.Contains(opts, "d"):
				files = append(files, lsEntry{name: op, dir: true})
			case v.dirs[p]:
				dirs = append(dirs, listing{name: op, entries: dirEntries(v, p, strings.Contains(opts, "a"), strings.ContainsAny(opts, "aA"))})
			default:
				missing = append(missing, op)
			}
		}
	})
	for _, op := range missing {
		sh.errorf("ls: cannot access '%s': No such file or directory", op)
		sh.status = 2
	}
	long := strings.Contains(opts, "l")
	sh.printEntries(files, long)
	for i, d := range dirs {
		if len(operands) > 1 {
			if i > 0 || len(files) > 0 {
				sh.printf("\n")
			}
			sh.printf("%s:\n", d.name)
		}
		sh.printEntries(d.entries, long)
	}
}

// dirEntries are the entries of dir, with . and .. when dots, dot files when hidden.
func dirEntries(v *vfs, dir string, dots, hidden bool) []lsEntry {
	var out []lsEntry
	if dots {
		out = append(out, lsEntry{name: ".", dir: true}, lsEntry{name: "..", dir: true})
	}
	for _, name := range v.children(dir) {
		if strings.HasPrefix(name, ".") && !hidden {
			continue
		}
		p := path.Join(dir, name)
		f, isFile := v.files[p]
		out = append(out, lsEntry{name: name, dir: !isFile, mode: f.mode, size: len(f.data)})
	}
	return out
}

func (sh *liveShell) printEntries(entries []lsEntry, long bool) {
	for _, e := range entries {
		if !long {
			sh.printf("%s\n", e.name)
			continue
		}
		mode, size := e.mode.Perm(), e.size
		if e.dir {
			mode, size = fs.ModeDir|0o755, 4096
		}
		sh.printf("%s 1 root root %8d %s %s\n", mode, size, sh.now().Format("Jan _2 15:04"), e.name)
	}
}

// mkdir makes directories; -p makes parents and accepts existing ones; -m
// is accepted (directories have no mode here).
func (sh *liveShell) mkdir(args []string) {
	var operands []string
	parents := false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-p" || a == "--parents":
			parents = true
		case a == "-m" && i+1 < len(args):
			i++
		case strings.HasPrefix(a, "-") && a != "-":
			sh.errorf("mkdir: invalid option -- '%s'", strings.TrimLeft(a, "-"))
			sh.status = 1
			return
		default:
			operands = append(operands, a)
		}
	}
	if len(operands) == 0 {
		sh.errorf("mkdir: missing operand")
		sh.status = 1
		return
	}
	for _, op := range operands {
		if why := sh.mkdirOne(sh.abs(op), parents); why != "" {
			sh.errorf("mkdir: cannot create directory '%s': %s", op, why)
			sh.status = 1
		}
	}
}

// mkdirOne makes dir, or says why it cannot, in mkdir's words.
func (sh *liveShell) mkdirOne(dir string, parents bool) string {
	why := ""
	sh.fs.do(func(v *vfs) {
		_, isFile := v.files[dir]
		switch {
		case isFile || (v.dirs[dir] && !parents):
			why = "File exists"
		case parents:
			if !v.mkdirAll(dir) {
				why = "Not a directory"
			}
		case !v.dirs[path.Dir(dir)]:
			why = "No such file or directory"
		default:
			v.dirs[dir] = true
		}
	})
	return why
}

// test evaluates test's expressions of zero to four arguments: string
// tests, -e -f -d -s and their kin, = != and the integer comparisons, and !.
func (sh *liveShell) test(args []string) {
	ok, err := sh.evalTest(args)
	switch {
	case err != "":
		sh.errorf("sh: 1: test: %s", err)
		sh.status = 2
	case !ok:
		sh.status = 1
	}
}

func (sh *liveShell) evalTest(args []string) (bool, string) {
	switch len(args) {
	case 0:
		return false, ""
	case 1:
		return args[0] != "", ""
	case 2:
		if args[0] == "!" {
			ok, err := sh.evalTest(args[1:])
			return !ok, err
		}
		return sh.unaryTest(args[0], args[1])
	case 3:
		if args[0] == "!" {
			ok, err := sh.evalTest(args[1:])
			return !ok, err
		}
		return binaryTest(args[0], args[1], args[2])
	case 4:
		if args[0] == "!" {
			ok, err := sh.evalTest(args[1:])
			return !ok, err
		}
	}
	return false, "expression not emulated: " + strings.Join(args, " ")
}

func (sh *liveShell) unaryTest(op, operand string) (bool, string) {
	switch op {
	case "-n":
		return operand != "", ""
	case "-z":
		return operand == "", ""
	case "-L", "-h":
		return false, "" // no symbolic links here
	}
	if len(op) != 2 || op[0] != '-' || !strings.ContainsRune("efdsrwx", rune(op[1])) {
		return false, op + ": unexpected operator"
	}
	p := sh.abs(operand)
	var isFile, isDir, nonEmpty bool
	sh.fs.do(func(v *vfs) {
		f, ok := v.files[p]
		isFile, isDir, nonEmpty = ok, v.dirs[p], ok && len(f.data) > 0
	})
	switch op {
	case "-f":
		return isFile, ""
	case "-d":
		return isDir, ""
	case "-s":
		return nonEmpty || isDir, ""
	}
	return isFile || isDir, "" // -e, and -r -w -x as root
}

func binaryTest(a, op, b string) (bool, string) {
	switch op {
	case "=", "==":
		return a == b, ""
	case "!=":
		return a != b, ""
	}
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	cmp := map[string]func() bool{
		"-eq": func() bool { return x == y }, "-ne": func() bool { return x != y },
		"-lt": func() bool { return x < y }, "-le": func() bool { return x <= y },
		"-gt": func() bool { return x > y }, "-ge": func() bool { return x >= y },
	}[op]
	switch {
	case cmp == nil:
		return false, op + ": unexpected operator"
	case errA != nil:
		return false, "Illegal number: " + a
	case errB != nil:
		return false, "Illegal number: " + b
	}
	return cmp(), ""
}

// splitFlags separates single-letter flags (from allowed) and operands; bad
// is the first letter not allowed.
func splitFlags(args []string, allowed string) (flags string, operands []string, bad string) {
	for i, a := range args {
		switch {
		case a == "--":
			return flags, append(operands, args[i+1:]...), ""
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, c := range a[1:] {
				if !strings.ContainsRune(allowed, c) {
					return "", nil, string(c)
				}
			}
			flags += a[1:]
		default:
			operands = append(operands, a)
		}
	}
	return flags, operands, ""
}
