package runpodapi

import (
	"fmt"
	"strings"
)

const redacted = "[REDACTED]"

// APIKey is a RunPod API key. It prints as [REDACTED] under every fmt verb
// and in JSON, so a config struct can be logged whole without leaking it.
type APIKey string

// Format implements fmt.Formatter for %v, %+v, %#v, %s, %q and the rest.
func (k APIKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalText keeps the key out of JSON, YAML and text encodings.
func (k APIKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// secret holds the key where reflection-based printing cannot reach it: the
// Client keeps a *secret, which fmt prints as an address.
type secret struct{ key string }

func (s *secret) bearer() string { return "Bearer " + s.key }

// redact removes the key from text that may have picked it up (an echoing
// server, a proxy error).
func (s *secret) redact(text string) string {
	if s == nil || s.key == "" {
		return text
	}
	return strings.ReplaceAll(text, s.key, redacted)
}
