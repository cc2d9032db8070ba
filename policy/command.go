package policy

import (
	"strings"

	"al.essio.dev/pkg/shellescape"
	corev1 "k8s.io/api/core/v1"
)

// argsString maps a container's command and args to v2 `args`, the one string
// RunPod passes to the image's ENTRYPOINT (v2 cannot override the entrypoint):
// command set: quote(command..., args...); only args: quote(args...); neither:
// "" (the image's CMD, or the template's args, apply). Each word first gets
// Kubernetes' $(VAR) expansion against the container's env, as the kubelet does.
func argsString(c *corev1.Container, env map[string]string) string {
	words := make([]string, 0, len(c.Command)+len(c.Args))
	words = append(words, c.Command...)
	words = append(words, c.Args...)
	if len(words) == 0 {
		return ""
	}
	for i, w := range words {
		words[i] = expand(w, env)
	}
	return shellescape.QuoteCommand(words)
}

// expand applies Kubernetes' $(VAR) rules: $(NAME) becomes the value of NAME
// when it is defined and stays literal otherwise; $$ is a literal $; any other
// $ is kept. It mirrors k8s third_party/forked/golang/expansion.
func expand(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
