package policy

import (
	"errors"
	"testing"
)

func TestErrorUnwrap(t *testing.T) {
	err := error(refused("annotation x", "bad"))
	if err.Error() != "annotation x: bad" || !errors.Is(err, ErrRefused) || errors.Is(err, ErrNoCandidates) {
		t.Errorf("refused error %q", err)
	}
	if err := noCandidates("GPU choice", "none"); !errors.Is(err, ErrNoCandidates) || errors.Is(err, ErrRefused) {
		t.Errorf("no-candidates error %q", err)
	}
}
