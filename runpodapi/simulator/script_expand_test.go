package simulator

import (
	"slices"
	"testing"
	"time"
)

func TestParameterExpansion(t *testing.T) {
	env := map[string]string{"A": "x", "S": "a  b", "E": "", "CMD": "echo", "G": "*.txt", "EDGE": " lead trail "}
	for _, tc := range []struct {
		script string
		lines  []string // nil = not emulated
	}{
		{`echo $A`, []string{"x"}},
		{`echo ${A}b`, []string{"xb"}},
		{`echo $A_B`, []string{""}}, // an unset name, not $A then _B
		{`echo "$S"`, []string{"a  b"}},
		{`echo $S`, []string{"a b"}},
		{`echo "[$EDGE]"`, []string{"[ lead trail ]"}},
		{`echo x${EDGE}y`, []string{"x lead trail y"}},
		{`echo x$E y`, []string{"x y"}},
		{`echo $E`, []string{""}},
		{`echo "$E" x`, []string{" x"}},
		{`echo '$A' \$A "\$A"`, []string{"$A $A $A"}},
		{`echo $ "a$" $/`, []string{"$ a$ $/"}},
		{`$CMD hi`, []string{"hi"}},
		{`echo ${A}; exit 3`, []string{"x"}},
		{`echo $1`, nil},
		{`echo $?`, nil},
		{`echo $$`, nil},
		{`echo "$@"`, nil},
		{`echo ${A:-b}`, nil},
		{`echo ${A`, nil},
		{`echo $G`, nil}, // pathname expansion is not emulated
		{`echo $(date)`, nil},
		{`echo "$(date)"`, nil},
	} {
		p := newProgram(podConfig{env: env, command: execCommand{cmd: []string{"sh", "-c", tc.script}}}, "pod", time.Second, nil)
		out, emulated := p.out.(emulatedOutput)
		if tc.lines == nil {
			if emulated {
				t.Errorf("%s is emulated, want the default output", tc.script)
			}
			continue
		}
		var got []string
		for _, l := range out.lines {
			got = append(got, l.text)
		}
		if !emulated || !slices.Equal(got, tc.lines) {
			t.Errorf("%s printed %q (emulated %v), want %q", tc.script, got, emulated, tc.lines)
		}
	}
}

func TestTrapHandlerExpands(t *testing.T) {
	p := newProgram(podConfig{env: map[string]string{"A": "x"}, command: execCommand{cmd: []string{"sh", "-c", "trap 'echo bye $A' TERM; sleep 100"}}}, "pod", time.Second, nil)
	if lines, status := p.termHandler(time.Second); !slices.Equal(lines, []string{"bye x"}) || status != 0 {
		t.Fatalf("handler printed %q status %d", lines, status)
	}
}

func TestContainerBaseEnv(t *testing.T) {
	sim, clock := newTestSim(t, nil)
	req := withEnv(withCmd("sh", "-c", "echo $HOME $RUNPOD_POD_ID $PATH"), "PATH", "/opt/bin")
	id := mustSeed(t, sim, req).ID
	clock.Step(bootDelay)
	if got := containerLog(t, sim, id); !slices.Equal(got, []string{"/root " + id + " /opt/bin"}) {
		t.Fatalf("container log %q: want HOME and RUNPOD_POD_ID from the container, PATH from the pod", got)
	}
	if env := mustPod(t, sim, id).Env; len(env) != 1 {
		t.Fatalf("the pod answers env %v: the container's own variables must not show", env)
	}
}
