package policy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestArgsString(t *testing.T) {
	env := map[string]string{"MODEL": "/models/llama 3", "N": "4"}
	tests := []struct {
		name    string
		command []string
		args    []string
		want    string
	}{
		{name: "neither: image CMD runs", want: ""},
		{name: "command only", command: []string{"python", "train.py"}, want: "python train.py"},
		{name: "command and args", command: []string{"python", "train.py"}, args: []string{"--name", "my run"}, want: "python train.py --name 'my run'"},
		{name: "args only", args: []string{"--epochs", "3"}, want: "--epochs 3"},
		{name: "shell script stays one word", command: []string{"/bin/sh", "-c"}, args: []string{"echo $HOME && sleep 1"},
			want: `/bin/sh -c 'echo $HOME && sleep 1'`},
		{name: "quotes inside", args: []string{"it's"}, want: `'it'"'"'s'`},
		{name: "empty arg kept", args: []string{"--x", ""}, want: "--x ''"},
		{name: "expansion", args: []string{"--model=$(MODEL)", "-n", "$(N)"}, want: "'--model=/models/llama 3' -n 4"},
		{name: "undefined var stays literal", args: []string{"$(NOPE)"}, want: "'$(NOPE)'"},
		{name: "escaped dollar", args: []string{"$$(MODEL)"}, want: "'$(MODEL)'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &corev1.Container{Command: tt.command, Args: tt.args}
			if got := argsString(c, env); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
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
