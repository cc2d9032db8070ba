package simulator

import (
	"strings"
)

// Parameter expansion of the emulated scripts: $NAME and ${NAME} take the
// container's env (an unset name is empty). The language has no
// assignments, so the env is fixed for the whole run and a script is
// expanded as it is read. Special parameters ($?, $$, $1, $@ …), ${…}
// operators and command substitution stay errUnsupported.

// dollar reads the expansion at l.i (a '$'). expanded is false for a '$'
// that starts none (before a blank, a quote, the end), which sh prints as is.
func (l *lexer) dollar() (value string, expanded bool, err error) {
	next := l.peek(1)
	switch {
	case next == '{':
		end := strings.IndexByte(l.src[l.i+2:], '}')
		if end < 0 || !identifier.MatchString(l.src[l.i+2:l.i+2+end]) {
			return "", false, errUnsupported
		}
		name := l.src[l.i+2 : l.i+2+end]
		l.i += end + 3
		return l.env[name], true, nil
	case next == '_' || isLetter(next):
		j := l.i + 1
		for j < len(l.src) && (l.src[j] == '_' || isLetter(l.src[j]) || (l.src[j] >= '0' && l.src[j] <= '9')) {
			j++
		}
		name := l.src[l.i+1 : j]
		l.i = j
		return l.env[name], true, nil
	case next != 0 && strings.IndexByte("?$!#@*-0123456789(", next) >= 0:
		return "", false, errUnsupported
	}
	l.i++
	return "", false, nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// fields builds the words one shell word becomes: quoted text and literal
// characters join the current field; an unquoted expansion is split at
// blanks (space, tab, newline), and one that leaves nothing adds no field.
type fields struct {
	out []string
	cur strings.Builder
	has bool // the current field exists, even if empty ("" or '')
}

func (f *fields) literal(c byte) { f.cur.WriteByte(c); f.has = true }

func (f *fields) quoted(s string) { f.cur.WriteString(s); f.has = true }

// unquoted adds an unquoted expansion; a glob character in it would need
// pathname expansion, which is not emulated.
func (f *fields) unquoted(v string) error {
	if strings.ContainsAny(v, "*?[") {
		return errUnsupported
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == ' ' || c == '\t' || c == '\n' {
			f.split()
			continue
		}
		f.literal(v[i])
	}
	return nil
}

func (f *fields) split() {
	if f.has {
		f.out = append(f.out, f.cur.String())
	}
	f.cur.Reset()
	f.has = false
}

func (f *fields) empty() bool { return !f.has && len(f.out) == 0 }

// done ends the word and returns its fields.
func (f *fields) done() []string {
	f.split()
	return f.out
}
