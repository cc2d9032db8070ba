package simulator

import (
	"errors"
	"strings"
)

// errUnsupported marks a command the program emulator does not know; the pod
// then prints the default output (doc.go).
var errUnsupported = errors.New("not emulated")

// errUnterminated is a quote left open.
var errUnterminated = errors.New("unterminated quote")

// token is a word or one of the operators the script language knows:
// ";", "\n", "&&" and "||".
type token struct {
	op     string // "" for a word
	word   string
	quoted bool // some of the word was quoted, so it is never a keyword
}

// splitWords splits a bare args string into words as a shell would, with no
// expansions: blanks separate words, '…' is literal, "…" keeps \" \\ \$ \`
// escapes, a backslash escapes the next character; operators are ordinary
// characters.
func splitWords(s string) ([]string, error) {
	l := lexer{src: s}
	var out []string
	for {
		l.skipBlanks()
		if l.i >= len(l.src) {
			return out, nil
		}
		w, _, err := l.word()
		if err != nil {
			return nil, err
		}
		out = append(out, w...)
	}
}

// lexScript tokenizes an sh -c script, expanding $NAME and ${NAME} from env
// (script_expand.go). Anything else beyond the emulated subset (other
// expansions, globs, pipes, redirections, subshells, background jobs) is
// errUnsupported.
func lexScript(src string, env map[string]string) ([]token, error) {
	l := lexer{src: src, shell: true, env: env}
	var out []token
	for {
		l.skipBlanks()
		if l.i >= len(l.src) {
			return out, nil
		}
		c, next := l.src[l.i], l.peek(1)
		switch {
		case c == '#':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.i++
			}
		case c == '\n' || (c == ';' && next != ';'):
			out = append(out, token{op: string(c)})
			l.i++
		case (c == '&' || c == '|') && next == c:
			out = append(out, token{op: string([]byte{c, c})})
			l.i += 2
		case strings.IndexByte(";&|<>()", c) >= 0:
			return nil, errUnsupported
		default:
			fields, quoted, err := l.word()
			if err != nil {
				return nil, err
			}
			for _, w := range fields {
				out = append(out, token{word: w, quoted: quoted})
			}
		}
	}
}

type lexer struct {
	src   string
	i     int
	shell bool              // script mode: operators end words, $ expands
	env   map[string]string // what $NAME expands to (script mode)
}

func (l *lexer) peek(n int) byte {
	if l.i+n < len(l.src) {
		return l.src[l.i+n]
	}
	return 0
}

// skipBlanks skips spaces, tabs and line continuations; newlines too unless
// they are operators (script mode).
func (l *lexer) skipBlanks() {
	for l.i < len(l.src) {
		switch c := l.src[l.i]; {
		case c == ' ' || c == '\t' || c == '\r' || (c == '\n' && !l.shell):
			l.i++
		case c == '\\' && l.peek(1) == '\n':
			l.i += 2
		default:
			return
		}
	}
}

// word reads one word at l.i, removing its quotes. An unquoted expansion
// splits it into fields (or leaves none), so it returns the fields; quoted
// says some of it was quoted or expanded, so it is never a keyword.
func (l *lexer) word() ([]string, bool, error) {
	var f fields
	quoted := false
	for l.i < len(l.src) {
		c := l.src[l.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			return f.done(), quoted, nil
		case l.shell && strings.IndexByte(";&|<>()", c) >= 0:
			return f.done(), quoted, nil
		case c == '\'':
			end := strings.IndexByte(l.src[l.i+1:], '\'')
			if end < 0 {
				return nil, false, errUnterminated
			}
			f.quoted(l.src[l.i+1 : l.i+1+end])
			l.i += end + 2
			quoted = true
		case c == '"':
			var b strings.Builder
			if err := l.doubleQuoted(&b); err != nil {
				return nil, false, err
			}
			f.quoted(b.String())
			quoted = true
		case c == '\\':
			quoted = true
			switch next := l.peek(1); {
			case l.i+1 >= len(l.src):
				f.literal('\\')
				l.i++
			case next == '\n':
				l.i += 2
			default:
				f.literal(next)
				l.i += 2
			}
		case l.shell && c == '$':
			v, expanded, err := l.dollar()
			if err != nil {
				return nil, false, err
			}
			if !expanded {
				f.literal('$')
				continue
			}
			if err := f.unquoted(v); err != nil {
				return nil, false, err
			}
			quoted = true
		case l.shell && (strings.IndexByte("`*?", c) >= 0 || (c == '[' && l.bracketGlob()) || (c == '~' && f.empty() && !quoted)):
			return nil, false, errUnsupported
		default:
			f.literal(c)
			l.i++
		}
	}
	return f.done(), quoted, nil
}

// bracketGlob reports whether the '[' at l.i opens a bracket expression: a
// ']' follows in the same word. Without one it is literal, as in `[ -d x ]`.
func (l *lexer) bracketGlob() bool {
	for j := l.i + 1; j < len(l.src); j++ {
		switch c := l.src[j]; {
		case c == ']':
			return true
		case c == ' ' || c == '\t' || c == '\n' || strings.IndexByte(";&|<>()", c) >= 0:
			return false
		}
	}
	return false
}

// doubleQuoted reads "…" at l.i into b.
func (l *lexer) doubleQuoted(b *strings.Builder) error {
	for l.i++; l.i < len(l.src); {
		c := l.src[l.i]
		switch {
		case c == '"':
			l.i++
			return nil
		case c == '\\' && strings.IndexByte("$`\"\\\n", l.peek(1)) >= 0 && l.i+1 < len(l.src):
			if next := l.peek(1); next != '\n' {
				b.WriteByte(next)
			}
			l.i += 2
		case l.shell && c == '$':
			v, expanded, err := l.dollar()
			if err != nil {
				return err
			}
			if !expanded {
				v = "$"
			}
			b.WriteString(v)
		case l.shell && c == '`':
			return errUnsupported
		default:
			b.WriteByte(c)
			l.i++
		}
	}
	return errUnterminated
}
