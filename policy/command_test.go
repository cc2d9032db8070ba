package policy

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestLaunchOf(t *testing.T) {
	env := map[string]string{"MODEL": "/models/llama 3", "N": "4"}
	img := &ImageConfig{Entrypoint: []string{"/entry.sh"}, Cmd: []string{"serve", "--port=80"}}
	tests := []struct {
		name          string
		command, args []string
		ann           Annotations
		img           *ImageConfig
		files         bool
		wantArgv      []string // the command the wrapper runs
		wantPlain     []string // unwrapped: entrypoint then "|" then cmd
		wantUnwrapped string
		wantRefusal   string
	}{
		{name: "command only", command: []string{"python", "train.py"}, wantArgv: []string{"python", "train.py"}},
		{name: "command and args", command: []string{"python"}, args: []string{"--name", "my run"}, wantArgv: []string{"python", "--name", "my run"}},
		{name: "command ignores the image", command: []string{"sh", "-c", "exit 3"}, img: img, wantArgv: []string{"sh", "-c", "exit 3"}},
		{name: "args only: image ENTRYPOINT + args", args: []string{"--epochs", "3"}, img: img, wantArgv: []string{"/entry.sh", "--epochs", "3"}},
		{name: "neither: image ENTRYPOINT + CMD", img: img, wantArgv: []string{"/entry.sh", "serve", "--port=80"}},
		{name: "expansion", command: []string{"run", "--model=$(MODEL)", "-n", "$(N)", "$(NOPE)", "$$(N)"},
			wantArgv: []string{"run", "--model=/models/llama 3", "-n", "4", "$(NOPE)", "$(N)"}},
		{name: "image unread, no command: exec form as the pod says", args: []string{"--x"},
			wantPlain: []string{"|", "--x"}, wantUnwrapped: "could not be read"},
		{name: "image unread and files need the wrapper", files: true, wantRefusal: "needs the runpod-kubelet wrapper"},
		{name: "wrapper off", command: []string{"python"}, args: []string{"a"}, ann: Annotations{NoWrapper: true},
			wantPlain: []string{"python", "|", "a"}, wantUnwrapped: "wrapper is off"},
		{name: "template decides", ann: Annotations{TemplateID: "tpl1"}, wantPlain: []string{"|"}, wantUnwrapped: "template tpl1"},
		{name: "image runs nothing", img: &ImageConfig{}, wantRefusal: "neither ENTRYPOINT nor CMD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &corev1.Container{Name: "main", Command: tt.command, Args: tt.args}
			l, err := launchOf(c, env, &tt.ann, tt.img, "registry said 401", tt.files)
			switch {
			case tt.wantRefusal != "":
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.wantRefusal) {
					t.Fatalf("err %v, want a refusal containing %q", err, tt.wantRefusal)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if tt.wantArgv != nil {
				if !l.Wrapped || !slices.Equal(l.Entrypoint, []string{WrapperShell, "-c", WrapperScript, WrapperArgv0}) || !slices.Equal(l.Cmd, tt.wantArgv) {
					t.Errorf("launch %+v, want the wrapper running %q", l, tt.wantArgv)
				}
				return
			}
			got := append(append(append([]string{}, l.Entrypoint...), "|"), l.Cmd...)
			if l.Wrapped || !slices.Equal(got, tt.wantPlain) || !strings.Contains(l.Unwrapped, tt.wantUnwrapped) {
				t.Errorf("launch %+v, want unwrapped %q (%q)", l, tt.wantPlain, tt.wantUnwrapped)
			}
		})
	}
}

func TestEncodeFileDataRoundTrips(t *testing.T) {
	in := []byte("key = \"v\"\nline 'q' $HOME \\n\x00\xff")
	enc := EncodeFileData(in)
	if strings.ContainsAny(enc, "\"'$\n\x00") {
		t.Fatalf("encoded data %q keeps shell-special bytes", enc)
	}
	var out []byte
	for i := 0; i < len(enc); i++ {
		if enc[i] == '\\' {
			n, _ := strconv.ParseUint(enc[i+2:i+5], 8, 8)
			out = append(out, byte(n))
			i += 4
			continue
		}
		out = append(out, enc[i])
	}
	if !bytes.Equal(out, in) {
		t.Errorf("decoded %q, want %q", out, in)
	}
}

func TestParseExitMarker(t *testing.T) {
	for _, tc := range []struct {
		line string
		code int32
		ok   bool
	}{
		{"runpod-kubelet: exit status 3 uid-1", 3, true},
		{"runpod-kubelet: exit status 0 uid-1\n", 0, true},
		{"runpod-kubelet: exit status 143 uid-1", 143, true},
		{"runpod-kubelet: exit status 3 uid-2", 0, false}, // another pod's, or forged
		{"runpod-kubelet: exit status x uid-1", 0, false},
		{"step 1: loss=0.5", 0, false},
	} {
		code, ok := ParseExitMarker(tc.line, "uid-1")
		if code != tc.code || ok != tc.ok {
			t.Errorf("ParseExitMarker(%q) = %d, %v; want %d, %v", tc.line, code, ok, tc.code, tc.ok)
		}
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "x", "EMPTY": ""}
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"$(A)", "x"},
		{"a$(A)b$(A)", "axbx"},
		{"$(EMPTY)", ""},
		{"$(B)", "$(B)"},
		{"$$", "$"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$x"},
		{"$A", "$A"},
		{"$", "$"},
		{"x$", "x$"},
		{"$(A", "$(A"},
		{"$()", "$()"},
		{"héllo $(A) wörld", "héllo x wörld"},
	}
	for _, tt := range tests {
		if got := expand(tt.in, env); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
