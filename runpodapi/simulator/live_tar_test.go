package simulator

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"reflect"
	"testing"
)

func TestParseTarArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want tarOptions
		err  bool
	}{
		{args: []string{"cf", "-", "/etc/config"}, want: tarOptions{mode: 'c', file: "-", paths: []string{"/etc/config"}}},
		{args: []string{"cf", "-", "-C", "/etc", "config"}, want: tarOptions{mode: 'c', file: "-", dir: "/etc", paths: []string{"config"}}},
		{args: []string{"-xmf", "-"}, want: tarOptions{mode: 'x', file: "-"}},
		{args: []string{"-xmf", "-", "-C", "/tmp"}, want: tarOptions{mode: 'x', file: "-", dir: "/tmp"}},
		{args: []string{"--no-same-permissions", "--no-same-owner", "-xmf", "-", "-C", "/tmp"}, want: tarOptions{mode: 'x', file: "-", dir: "/tmp", noSamePerms: true}},
		{args: []string{"-C/tmp", "-xzvf-"}, want: tarOptions{mode: 'x', file: "-", dir: "/tmp", gzip: true, verbose: true}},
		{args: []string{"--extract", "--file=a.tar", "--directory=/x"}, want: tarOptions{mode: 'x', file: "a.tar", dir: "/x"}},
		{args: []string{"tf", "-"}, want: tarOptions{mode: 't', file: "-"}},
		{args: []string{"cx"}, err: true},
		{args: []string{"-f", "-"}, err: true},
		{args: []string{"cf", "-"}, err: true},
		{args: []string{"-xf"}, err: true},
		{args: []string{"-xq"}, err: true},
		{args: []string{"--bogus", "-x"}, err: true},
	} {
		got, err := parseTarArgs(tc.args)
		if (err != nil) != tc.err || (!tc.err && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("parseTarArgs(%q) = %+v, %v; want %+v, error %v", tc.args, got, err, tc.want, tc.err)
		}
	}
}

// tarEntry is one member as a test compares it.
type tarEntry struct {
	name string
	mode int64
	data string
}

func makeTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		if e.name[len(e.name)-1] == '/' {
			hdr.Typeflag, hdr.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write([]byte(e.data))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTar(t *testing.T, data []byte) []tarEntry {
	t.Helper()
	var out []tarEntry
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("parse the archive: %v", err)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, tarEntry{name: hdr.Name, mode: hdr.Mode, data: string(body)})
	}
}

// TestSSHTarRoundTrip is kubectl cp both ways: its tar x with a stream made
// like kubectl's, then its tar c read back with archive/tar.
func TestSSHTarRoundTrip(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	key := newSSHKey(t)
	c := mustDial(t, sim, runningPod(t, sim, clock, sshPodRequest(key, nil)), key)
	upload := makeTar(t, []tarEntry{
		{name: "data/", mode: 0o755},
		{name: "data/a.txt", mode: 0o666, data: "alpha\n"},
		{name: "data/sub/b.bin", mode: 0o600, data: "\x00\xff\x01binary"},
	})
	for _, step := range []struct{ cmd, stdin string }{
		{"mkdir -p /work", ""},
		{"test -d /work", ""},
		{"tar --no-same-permissions --no-same-owner -xmf - -C /work", string(upload)},
		{"tar -xmf - -C /work", string(makeTar(t, []tarEntry{{name: "top.txt", mode: 0o640, data: "top"}}))},
		{"tar -xmf - -C /tmp", string(makeTar(t, []tarEntry{{name: "x.txt", mode: 0o644, data: "x"}}))}, // kubectl cp f pod:/tmp/x.txt
	} {
		if got := execSSH(t, c, step.cmd, step.stdin, nil); got != (execResult{}) {
			t.Fatalf("%q: %+v", step.cmd, got)
		}
	}
	if got := execSSH(t, c, "test -d /tmp/x.txt", "", nil); got.status != 1 {
		t.Fatalf("test -d of a file: %+v", got)
	}
	if got := execSSH(t, c, "cat /work/data/a.txt /tmp/x.txt", "", nil); got.stdout != "alpha\nx" {
		t.Fatalf("cat after tar x: %+v", got)
	}
	for _, tc := range []struct {
		cmd, stderr string
		want        []tarEntry
	}{
		{"tar cf - /work/data", "tar: Removing leading `/' from member names\n", []tarEntry{
			{name: "work/data/", mode: 0o755},
			{name: "work/data/a.txt", mode: 0o644, data: "alpha\n"}, // --no-same-permissions: umask 022
			{name: "work/data/sub/", mode: 0o755},
			{name: "work/data/sub/b.bin", mode: 0o600, data: "\x00\xff\x01binary"},
		}},
		{"tar cf - -C /work data/a.txt top.txt", "", []tarEntry{
			{name: "data/a.txt", mode: 0o644, data: "alpha\n"},
			{name: "top.txt", mode: 0o640, data: "top"},
		}},
	} {
		got := execSSH(t, c, tc.cmd, "", nil)
		if got.status != 0 || got.stderr != tc.stderr {
			t.Fatalf("%q: status %d stderr %q", tc.cmd, got.status, got.stderr)
		}
		if entries := readTar(t, []byte(got.stdout)); !reflect.DeepEqual(entries, tc.want) {
			t.Fatalf("%q: archive %+v, want %+v", tc.cmd, entries, tc.want)
		}
	}
}

func TestTarFailures(t *testing.T) {
	for _, tc := range []struct {
		name, line, stdin string
		want              string // stderr
	}{
		{"missing member", "tar cf - /nope", "", "tar: Removing leading `/' from member names\ntar: /nope: Cannot stat: No such file or directory\ntar: Exiting with failure status due to previous errors\n"},
		{"missing -C", "tar -xmf - -C /nope", "", "tar: /nope: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now\n"},
		{"not an archive", "tar -xmf -", "garbage", "tar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now\ntar: Exiting with failure status due to previous errors\n"},
		{"dot dot", "tar -xmf -", string(makeTar(t, []tarEntry{{name: "../escape", mode: 0o644, data: "x"}})), "tar: ../escape: Member name contains '..'\ntar: Exiting with failure status due to previous errors\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, _, stderr := testShell(tc.stdin)
			sh.runLine(t.Context(), tc.line)
			if sh.status != 2 || stderr.String() != tc.want {
				t.Fatalf("status %d stderr %q, want 2 %q", sh.status, stderr.String(), tc.want)
			}
		})
	}
}

// TestTarFileArchive: f names a file of the pod, and z compresses.
func TestTarFileArchive(t *testing.T) {
	sh, stdout, _ := testShell("")
	sh.fs.v.write("/src/a", []byte("A"), 0o644)
	for _, line := range []string{"tar czf /tmp/a.tgz -C /src a", "mkdir /dst", "tar xzf /tmp/a.tgz -C /dst", "cat /dst/a"} {
		sh.runLine(t.Context(), line)
		if sh.status != 0 {
			t.Fatalf("%q: status %d", line, sh.status)
		}
	}
	if stdout.String() != "A" || sh.fs.v.files["/dst/a"].mode != fs.FileMode(0o644) {
		t.Fatalf("stdout %q, file %+v", stdout.String(), sh.fs.v.files["/dst/a"])
	}
}
