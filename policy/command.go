package policy

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// AnnotationExitCodeWrapper turns the exit-status wrapper off ("false") for
// an image without /bin/sh; the pod then runs its command as is, with no
// files, no workingDir and no exit code.
const AnnotationExitCodeWrapper = "runpod.io/exit-code-wrapper"

func parseExitCodeWrapper(v string, a *Annotations) string {
	on, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Sprintf("%q is not true or false", v)
	}
	a.NoWrapper = !on
	return ""
}

// ImageConfig is what the image's config in its registry says runs when
// the pod sets no command (the OCI config's Entrypoint and Cmd).
type ImageConfig struct {
	Entrypoint, Cmd []string
}

// Launch is how RunPod starts the container: the exec-form entrypoint and
// cmd (Kubernetes' command → ENTRYPOINT, args → CMD), under the wrapper when
// it can run.
type Launch struct {
	Entrypoint, Cmd []string
	Wrapped         bool   // the wrapper reports the exit status, writes files, enters workingDir
	Unwrapped       string // when not wrapped: why, for the pod's terminated message
}

// launchOf decides what runs, as the kubelet does: command set → command +
// args; only args → the image's ENTRYPOINT + args; neither → the image's
// ENTRYPOINT + CMD. Each word gets Kubernetes' $(VAR) expansion first. The
// wrapper needs the whole argv, so without a command it needs the image's
// config (img; imgErr says why it is missing). needsWrapper is set when the
// pod has files or a workingDir, which only the wrapper can provide.
func launchOf(c *corev1.Container, env map[string]string, a *Annotations, img *ImageConfig, imgErr string, needsWrapper bool) (Launch, error) {
	command, args := expandAll(c.Command, env), expandAll(c.Args, env)
	var why string
	var argv []string
	switch {
	case a.NoWrapper:
		why = fmt.Sprintf("the exit-status wrapper is off (%s)", a.field(AnnotationExitCodeWrapper))
	case len(command) > 0:
		argv = append(command, args...)
	case a.TemplateID != "":
		why = fmt.Sprintf("the pod sets no command, so the template %s decides what runs", a.TemplateID)
	case img == nil:
		why = "the pod sets no command and the image's ENTRYPOINT/CMD could not be read from its registry: " + imgErr
	case len(args) > 0:
		argv = append(append([]string{}, img.Entrypoint...), args...)
	default:
		argv = append(append([]string{}, img.Entrypoint...), img.Cmd...)
	}
	if why == "" && len(argv) == 0 {
		return Launch{}, refused(fmt.Sprintf("container %q", c.Name),
			"sets no command and its image has neither ENTRYPOINT nor CMD: nothing would run")
	}
	if why != "" {
		if needsWrapper {
			return Launch{}, refused(fmt.Sprintf("container %q", c.Name), fmt.Sprintf(
				"needs the runpod-kubelet wrapper for its files or workingDir, but %s; set command in the pod", why))
		}
		return Launch{Entrypoint: command, Cmd: args, Unwrapped: why}, nil
	}
	return Launch{Entrypoint: []string{WrapperShell, "-c", WrapperScript, WrapperArgv0}, Cmd: argv, Wrapped: true}, nil
}

func expandAll(words []string, env map[string]string) []string {
	if len(words) == 0 {
		return nil
	}
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = expand(w, env)
	}
	return out
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
