package simulator

import (
	"path"
	"slices"
)

// script is a parsed sh -c script: and-or lists run in order.
type script []andOr

// andOr is `cmd && cmd || cmd …`; ops[i] joins cmds[i] and cmds[i+1].
type andOr struct {
	cmds []statement
	ops  []string
}

// statement is a simple command or, when loop is set, `while :; do body; done`.
type statement struct {
	argv []string
	trap *trapSpec // set when argv[0] is trap
	loop bool
	body script
}

// trapSpec is `trap ACTION SIGNAL…` with TERM among the signals.
type trapSpec struct {
	reset   bool   // trap - TERM: the default action again
	ignore  bool   // trap '' TERM: SIGTERM is ignored
	handler script // otherwise: run on SIGTERM
}

// programs are the commands the emulator runs, by base name (/bin/echo is
// echo), as argv or as script statements.
var programs = []string{"echo", "cat", "sleep", "true", "false", "pwd"}

// builtins are the script-only statements.
var builtins = []string{":", "exit", "trap"}

// signals trap accepts: TERM is the one a stop delivers; the others never
// arrive in the simulator, so their traps do nothing.
var (
	termSignals  = []string{"TERM", "SIGTERM", "15"}
	otherSignals = []string{"INT", "SIGINT", "2", "HUP", "SIGHUP", "1", "QUIT", "SIGQUIT", "3", "USR1", "SIGUSR1", "USR2", "SIGUSR2"}
)

// parseScript parses an sh -c script of the emulated subset (doc.go),
// expanding $NAME from env; any other script is errUnsupported.
func parseScript(src string, env map[string]string) (script, error) {
	return parseWith(src, env, false)
}

// parseSessionScript parses a command line of an SSH session: the same
// language, but any program name parses (the session reports unknown ones
// as sh does) and traps are accepted and ignored.
func parseSessionScript(src string, env map[string]string) (script, error) {
	return parseWith(src, env, true)
}

func parseWith(src string, env map[string]string, session bool) (script, error) {
	toks, err := lexScript(src, env)
	if err != nil {
		return nil, err
	}
	p := parser{toks: toks, env: env, session: session}
	s, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, errUnsupported // a stray do or done
	}
	return s, nil
}

type parser struct {
	toks    []token
	i       int
	env     map[string]string // for trap handlers, which are scripts too
	session bool              // an SSH session's line (parseSessionScript)
}

func (p *parser) at() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

// keyword reports whether the next token is the unquoted word kw.
func (p *parser) keyword(kw string) bool {
	t, ok := p.at()
	return ok && t.op == "" && !t.quoted && t.word == kw
}

func (p *parser) skip(ops ...string) {
	for t, ok := p.at(); ok && slices.Contains(ops, t.op); t, ok = p.at() {
		p.i++
	}
}

// list parses and-or lists up to the end, or to a do or done in command
// position, which it leaves for the caller.
func (p *parser) list() (script, error) {
	var out script
	for {
		p.skip(";", "\n")
		if _, ok := p.at(); !ok || p.keyword("do") || p.keyword("done") {
			return out, nil
		}
		ao, err := p.andOr()
		if err != nil {
			return nil, err
		}
		out = append(out, ao)
		if t, ok := p.at(); ok && t.op != ";" && t.op != "\n" {
			return nil, errUnsupported
		}
	}
}

func (p *parser) andOr() (andOr, error) {
	var ao andOr
	for {
		c, err := p.command()
		if err != nil {
			return andOr{}, err
		}
		ao.cmds = append(ao.cmds, c)
		t, ok := p.at()
		if !ok || (t.op != "&&" && t.op != "||") {
			return ao, nil
		}
		ao.ops = append(ao.ops, t.op)
		p.i++
		p.skip("\n")
	}
}

func (p *parser) command() (statement, error) {
	if p.keyword("while") {
		return p.while()
	}
	var argv []string
	for t, ok := p.at(); ok && t.op == ""; t, ok = p.at() {
		argv = append(argv, t.word)
		p.i++
	}
	if len(argv) == 0 {
		return statement{}, errUnsupported // an operator where a command belongs
	}
	c := statement{argv: argv}
	switch name := argv[0]; {
	case p.session:
		if name == "exit" && len(argv) > 2 {
			return statement{}, errUnsupported
		}
	case name == "trap":
		trap, err := parseTrap(argv[1:], p.env)
		if err != nil {
			return statement{}, err
		}
		c.trap = trap
	case name == "exit" && len(argv) > 2:
		return statement{}, errUnsupported
	case !slices.Contains(builtins, name) && !slices.Contains(programs, path.Base(name)):
		return statement{}, errUnsupported
	}
	return c, nil
}

// while parses `while : ; do BODY; done` (or `while true`); any other
// condition is errUnsupported.
func (p *parser) while() (statement, error) {
	p.i++
	cond, err := p.list()
	if err != nil || !p.keyword("do") {
		return statement{}, errUnsupported
	}
	p.i++
	body, err := p.list()
	if err != nil || !p.keyword("done") {
		return statement{}, errUnsupported
	}
	p.i++
	if len(cond) != 1 || len(cond[0].cmds) != 1 || cond[0].cmds[0].loop ||
		!slices.Equal(cond[0].cmds[0].argv, []string{":"}) && !slices.Equal(cond[0].cmds[0].argv, []string{"true"}) {
		return statement{}, errUnsupported
	}
	return statement{loop: true, body: body}, nil
}

// parseTrap reads `ACTION SIGNAL…`. A trap without TERM is kept as a no-op;
// EXIT traps and unknown signals are errUnsupported.
func parseTrap(args []string, env map[string]string) (*trapSpec, error) {
	if len(args) < 2 {
		return nil, errUnsupported
	}
	term := false
	for _, sig := range args[1:] {
		switch {
		case slices.Contains(termSignals, sig):
			term = true
		case !slices.Contains(otherSignals, sig):
			return nil, errUnsupported
		}
	}
	var spec trapSpec
	switch action := args[0]; action {
	case "-":
		spec.reset = true
	case "":
		spec.ignore = true
	default:
		h, err := parseScript(action, env)
		if err != nil {
			return nil, err
		}
		spec.handler = h
	}
	if !term {
		return nil, nil
	}
	return &spec, nil
}
