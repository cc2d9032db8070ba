package policy

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestREADMEAnnotationTable keeps the README's table equal to AnnotationKeys.
func TestREADMEAnnotationTable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, section, ok := strings.Cut(string(raw), "<!-- annotations:begin -->")
	section, _, ok2 := strings.Cut(section, "<!-- annotations:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no <!-- annotations:begin --> ... <!-- annotations:end --> section")
	}
	got := readmeKeys(section)
	want := AnnotationKeys()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("README annotation table keys\n got  %q\n want %q", got, want)
	}
}

// readmeKeys is the backticked first cell of every table row.
func readmeKeys(section string) []string {
	var keys []string
	for line := range strings.Lines(section) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) < 3 || cells[0] != "" {
			continue
		}
		first := strings.TrimSpace(cells[1])
		if len(first) > 2 && strings.HasPrefix(first, "`") && strings.HasSuffix(first, "`") {
			keys = append(keys, strings.Trim(first, "`"))
		}
	}
	return keys
}

func TestReadmeKeys(t *testing.T) {
	got := readmeKeys("| key | meaning |\n|---|---|\n| `a/b` | x |\nnot a row `c`\n| `d` | y |\n")
	if !slices.Equal(got, []string{"a/b", "d"}) {
		t.Errorf("got %q", got)
	}
}
