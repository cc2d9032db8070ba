package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// execCommand is a pod's exec-form command (API-NOTES, "What changed after
// the spec"): entrypoint overrides the image's ENTRYPOINT, cmd is the
// argument list (the image's CMD). Empty means not set.
type execCommand struct {
	entrypoint, cmd []string
}

// argv is what the container runs: entrypoint + cmd, or cmd alone when only
// cmd is set (the simulator's images have an empty ENTRYPOINT); nil when
// neither is set (the image's own command, emulated as the default output).
func (c execCommand) argv() []string {
	return append(slices.Clone(c.entrypoint), c.cmd...)
}

func (c execCommand) equal(o execCommand) bool {
	return slices.Equal(c.entrypoint, o.entrypoint) && slices.Equal(c.cmd, o.cmd)
}

func (c execCommand) clone() execCommand {
	return execCommand{entrypoint: slices.Clone(c.entrypoint), cmd: slices.Clone(c.cmd)}
}

// argsObject is the JSON-object form of args.
type argsObject struct {
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
}

// commandFields are the command fields of a create or PATCH body; nil
// means absent, a pointer to an empty slice is `[]`.
type commandFields struct {
	Args       *string   `json:"args"`
	Entrypoint *[]string `json:"entrypoint"`
	Cmd        *[]string `json:"cmd"`
}

func decodeCommandFields(raw []byte) (commandFields, error) {
	var f commandFields
	if err := json.Unmarshal(raw, &f); err != nil {
		return commandFields{}, errInvalid(fmt.Sprintf("$: %v", err))
	}
	return f, nil
}

// applyCommand resolves a body's command fields against the pod's current
// args and command. args, when sent, describes the whole command (a bare
// string: no entrypoint, cmd its words; a JSON object: both parts, a missing
// key empty) and is stored as sent; entrypoint or cmd sent beside it must
// describe the same command (400 otherwise). Without args, entrypoint and
// cmd replace their part ([] clears it, absent leaves it) and args becomes
// their JSON-object encoding.
func applyCommand(curArgs string, cur execCommand, f commandFields) (string, execCommand, error) {
	if f.Args != nil {
		c, err := parseArgs(*f.Args)
		if err != nil {
			return "", execCommand{}, err
		}
		for _, part := range []struct {
			name     string
			sent     *[]string
			fromArgs []string
		}{{"entrypoint", f.Entrypoint, c.entrypoint}, {"cmd", f.Cmd, c.cmd}} {
			if part.sent != nil && !slices.Equal(*part.sent, part.fromArgs) {
				return "", execCommand{}, problemf(http.StatusBadRequest,
					"args and %[1]s describe different commands: args gives %[1]s %[2]q, %[1]s is %[3]q; send one form, or both alike",
					part.name, nonNil(part.fromArgs), *part.sent)
			}
		}
		return *f.Args, c, nil
	}
	if f.Entrypoint == nil && f.Cmd == nil {
		return curArgs, cur.clone(), nil
	}
	next := cur.clone()
	if f.Entrypoint != nil {
		next.entrypoint = slices.Clone(*f.Entrypoint)
	}
	if f.Cmd != nil {
		next.cmd = slices.Clone(*f.Cmd)
	}
	return encodeArgs(next), next, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// parseArgs reads args: a JSON object {"entrypoint":[…],"cmd":[…]} (only
// those keys, arrays of strings), or else a bare string, which is CMD split
// into words with shell quoting and no expansions. Malformed is a 400.
func parseArgs(args string) (execCommand, error) {
	if trimmed := strings.TrimSpace(args); strings.HasPrefix(trimmed, "{") && json.Valid([]byte(trimmed)) {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.DisallowUnknownFields()
		var obj argsObject
		if err := dec.Decode(&obj); err != nil {
			return execCommand{}, problemf(http.StatusBadRequest,
				`args is a JSON object, so it must be {"entrypoint":[...],"cmd":[...]} with arrays of strings: %v`, err)
		}
		return execCommand{entrypoint: obj.Entrypoint, cmd: obj.Cmd}, nil
	}
	words, err := splitWords(args)
	if err != nil {
		return execCommand{}, problemf(http.StatusBadRequest, "args %q cannot be split into words: %v", args, err)
	}
	return execCommand{cmd: words}, nil
}

// encodeArgs is args for a command given as entrypoint and cmd: their JSON
// object with empty parts left out, or "" when both are empty.
func encodeArgs(c execCommand) string {
	if len(c.entrypoint) == 0 && len(c.cmd) == 0 {
		return ""
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(argsObject{Entrypoint: c.entrypoint, Cmd: c.cmd}) // strings always encode
	return strings.TrimSuffix(b.String(), "\n")
}
