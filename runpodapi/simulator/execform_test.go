package simulator

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// commandOf renders a pod's command fields for comparison.
func commandOf(p runpodapi.Pod) string {
	return "args=" + p.Args + " entrypoint=" + strings.Join(p.Entrypoint, "|") + " cmd=" + strings.Join(p.Cmd, "|")
}

func TestExecFormCreate(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	const base = `"name":"a","image":"busybox","cpu":{"id":"cpu3c","vcpuCount":2}`
	for _, tc := range []struct {
		name   string
		fields string
		code   int
		want   string // commandOf, or a substring of the problem
	}{
		{"nothing", ``, 201, "args= entrypoint= cmd="},
		{"bare args is cmd", `,"args":"python train.py --lr 0.1"`, 201, "args=python train.py --lr 0.1 entrypoint= cmd=python|train.py|--lr|0.1"},
		{"bare args with quotes", `,"args":"echo 'a b' \"c d\""`, 201, `args=echo 'a b' "c d" entrypoint= cmd=echo|a b|c d`},
		{"bare args that only looks like JSON", `,"args":"{ echo hi; }"`, 201, "args={ echo hi; } entrypoint= cmd={|echo|hi;|}"},
		{"JSON args", `,"args":"{\"entrypoint\":[\"sh\",\"-c\"],\"cmd\":[\"echo hi\"]}"`, 201, `args={"entrypoint":["sh","-c"],"cmd":["echo hi"]} entrypoint=sh|-c cmd=echo hi`},
		{"JSON args cmd only", `,"args":" {\"cmd\":[\"true\"]} "`, 201, `args= {"cmd":["true"]}  entrypoint= cmd=true`},
		{"entrypoint and cmd are encoded into args", `,"entrypoint":["sh","-c"],"cmd":["echo <hi> & bye"]`, 201, `args={"entrypoint":["sh","-c"],"cmd":["echo <hi> & bye"]} entrypoint=sh|-c cmd=echo <hi> & bye`},
		{"cmd only", `,"cmd":["sleep","1"]`, 201, `args={"cmd":["sleep","1"]} entrypoint= cmd=sleep|1`},
		{"empty lists", `,"entrypoint":[],"cmd":[]`, 201, "args= entrypoint= cmd="},
		{"bare args and the same cmd", `,"args":"sleep 1","cmd":["sleep","1"]`, 201, "args=sleep 1 entrypoint= cmd=sleep|1"},
		{"bare args and an empty entrypoint", `,"args":"sleep 1","entrypoint":[]`, 201, "args=sleep 1 entrypoint= cmd=sleep|1"},
		{"JSON args and the same fields", `,"args":"{\"entrypoint\":[\"sh\"],\"cmd\":[\"x\"]}","entrypoint":["sh"],"cmd":["x"]`, 201, `entrypoint=sh cmd=x`},
		{"bare args and another cmd", `,"args":"sleep 1","cmd":["sleep","2"]`, 400, `args and cmd describe different commands: args gives cmd ["sleep" "1"], cmd is ["sleep" "2"]`},
		{"bare args and an entrypoint", `,"args":"sleep 1","entrypoint":["sh","-c"]`, 400, `args and entrypoint describe different commands: args gives entrypoint [], entrypoint is ["sh" "-c"]`},
		{"JSON args and another entrypoint", `,"args":"{\"entrypoint\":[\"sh\"]}","entrypoint":["bash"]`, 400, "args and entrypoint describe different commands"},
		{"JSON args with an unknown key", `,"args":"{\"command\":[\"x\"]}"`, 400, `args is a JSON object, so it must be {"entrypoint":[...],"cmd":[...]}`},
		{"JSON args with a string cmd", `,"args":"{\"cmd\":\"x\"}"`, 400, "arrays of strings"},
		{"bare args with an open quote", `,"args":"echo 'open"`, 400, "cannot be split into words: unterminated quote"},
		{"entrypoint not an array", `,"entrypoint":"sh"`, 422, "$.entrypoint"},
		{"cmd of numbers", `,"cmd":[1]`, 422, "$.cmd[0]"},
		{"cmd null", `,"cmd":null`, 422, "$.cmd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := call(t, sim, http.MethodPost, "/v2/pods", `{`+base+tc.fields+`}`)
			if tc.code != 201 {
				p := problemOf(t, rec, tc.code)
				if text := p.Detail + strings.Join(p.Errors, "\n"); !strings.Contains(text, tc.want) {
					t.Fatalf("problem %+v does not mention %q", p, tc.want)
				}
				return
			}
			wantStatus(t, rec, 201)
			created := decode[runpodapi.Pod](t, rec)
			if got := commandOf(created); !strings.Contains(got, tc.want) {
				t.Fatalf("created %s, want %s", got, tc.want)
			}
			if got := commandOf(mustPod(t, sim, created.ID)); got != commandOf(created) {
				t.Fatalf("GET %s, create answered %s", got, commandOf(created))
			}
		})
	}
}

func TestExecFormPatch(t *testing.T) {
	sim, _ := newTestSim(t, nil)
	for _, tc := range []struct {
		name string
		body string
		code int
		want string // commandOf, or a substring of the problem
	}{
		{"omitted leaves it", `{"name":"x"}`, 200, `args={"entrypoint":["sh","-c"],"cmd":["echo hi"]} entrypoint=sh|-c cmd=echo hi`},
		{"cmd replaces its part", `{"cmd":["echo bye"]}`, 200, `args={"entrypoint":["sh","-c"],"cmd":["echo bye"]} entrypoint=sh|-c cmd=echo bye`},
		{"[] clears the entrypoint", `{"entrypoint":[]}`, 200, `args={"cmd":["echo hi"]} entrypoint= cmd=echo hi`},
		{"[] clears both", `{"entrypoint":[],"cmd":[]}`, 200, "args= entrypoint= cmd="},
		{"args replaces the whole command", `{"args":"sleep 5"}`, 200, "args=sleep 5 entrypoint= cmd=sleep|5"},
		{"args and the same cmd", `{"args":"sleep 5","cmd":["sleep","5"]}`, 200, "args=sleep 5 entrypoint= cmd=sleep|5"},
		{"empty args clears", `{"args":""}`, 200, "args= entrypoint= cmd="},
		{"JSON args and an empty entrypoint", `{"args":"{\"cmd\":[\"true\"]}","entrypoint":[]}`, 200, `args={"cmd":["true"]} entrypoint= cmd=true`},
		{"args and another entrypoint", `{"args":"sleep 5","entrypoint":["sh"]}`, 400, "args and entrypoint describe different commands"},
		{"bad JSON args", `{"args":"{\"cmd\":[1]}"}`, 400, "args is a JSON object"},
		{"entrypoint null", `{"entrypoint":null}`, 422, "$.entrypoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := cpuRequest("a", 2)
			req.Entrypoint, req.Cmd = []string{"sh", "-c"}, []string{"echo hi"}
			id := mustSeed(t, sim, req).ID
			rec := call(t, sim, http.MethodPatch, "/v2/pods/"+id, tc.body)
			if tc.code != 200 {
				p := problemOf(t, rec, tc.code)
				if text := p.Detail + strings.Join(p.Errors, "\n"); !strings.Contains(text, tc.want) {
					t.Fatalf("problem %+v does not mention %q", p, tc.want)
				}
				if got := mustPod(t, sim, id); !slices.Equal(got.Cmd, []string{"echo hi"}) {
					t.Fatalf("a refused PATCH changed the command: %s", commandOf(got))
				}
				return
			}
			wantStatus(t, rec, 200)
			if got := commandOf(decode[runpodapi.Pod](t, rec)); got != tc.want {
				t.Fatalf("patched %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSpecAdditions(t *testing.T) {
	doc, err := extendedSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"entrypoint", "cmd"} {
		if !declares(doc, resolvePointer(doc, "/components/schemas/Pod"), name, 0) ||
			!declares(doc, resolvePointer(doc, "/components/schemas/CreatePodRequest"), name, 0) ||
			!declares(doc, resolvePointer(doc, "/components/schemas/UpdatePodRequest"), name, 0) {
			t.Fatalf("%s is not declared on Pod, CreatePodRequest and UpdatePodRequest", name)
		}
	}
	// A newer spec that already has the fields makes the additions fail loudly.
	if err := extendSpec(doc); err == nil || !strings.Contains(err.Error(), "remove the addition") {
		t.Fatalf("extending twice: %v, want the spec-already-defines-it error", err)
	}
}
