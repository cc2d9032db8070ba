package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/agnivade/levenshtein"

	"github.com/runpod-kubelet/runpod-kubelet/runpodapi"
)

// GPU names people type ("H100", "h100 sxm", "RTX 4090", "A100-80GB",
// "4090") resolve against the live catalog's ids and display names, case-
// and punctuation-insensitively:
//
//  1. A name equal to a type's id or display name once both are squashed to
//     lower-case letters and digits ("rtx4090", "NVIDIA L40S") is that type.
//  2. Otherwise every word of the name must be a word of the type's id or
//     display name ("a100 80gb" is a word of "NVIDIA A100-SXM4-80GB").
//     Matches of one model ("H100" → H100 PCIe and H100 SXM) resolve to all
//     of them, in catalog order; matches across models ("RTX" → 3090, 4090,
//     A5000, …) are ambiguous and refused with the candidates.
//  3. A name matching nothing is refused with the closest names.
//
// The catalog's placeholders (id "unknown", memory 0) never match.

// maxSuggestions bounds a "did you mean" list.
const maxSuggestions = 3

// usableGPU reports whether a catalog entry is a real GPU type, not a
// placeholder the live catalog carries.
func usableGPU(g *runpodapi.GpuType) bool {
	return g.Memory > 0 && !strings.EqualFold(g.ID, "unknown") && g.ID != ""
}

// resolveGPUNames turns the names of source (an annotation or a setting)
// into catalog types, in the names' order, without repeats.
func resolveGPUNames(catalog []runpodapi.GpuType, names []string, source string) ([]*runpodapi.GpuType, error) {
	var out []*runpodapi.GpuType
	for _, n := range names {
		types, err := resolveGPUName(catalog, n)
		if err != nil {
			return nil, refused(source, err.Error())
		}
		for _, g := range types {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out, nil
}

func resolveGPUName(catalog []runpodapi.GpuType, name string) ([]*runpodapi.GpuType, error) {
	want := squash(name)
	words := wordsOf(name)
	if want == "" {
		return nil, fmt.Errorf("%q names no GPU type", name)
	}
	var matches []*runpodapi.GpuType
	for i := range catalog {
		g := &catalog[i]
		if !usableGPU(g) {
			continue
		}
		if squash(g.ID) == want || squash(g.Name) == want {
			return []*runpodapi.GpuType{g}, nil
		}
		if containsAll(append(wordsOf(g.ID), wordsOf(g.Name)...), words) {
			matches = append(matches, g)
		}
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("%q matches no GPU type in the RunPod catalog%s", name, didYouMean(catalog, want))
	}
	models := map[string]bool{}
	for _, g := range matches {
		models[modelOf(g)] = true
	}
	if len(models) > 1 {
		return nil, fmt.Errorf("%q is ambiguous: it matches %s; name one of them", name, displayList(matches))
	}
	return matches, nil
}

// didYouMean lists the display names closest to the squashed name, by edit
// distance to a type's model word, display name or id.
func didYouMean(catalog []runpodapi.GpuType, want string) string {
	type scored struct {
		name string
		d    int
	}
	var all []scored
	for i := range catalog {
		g := &catalog[i]
		if !usableGPU(g) {
			continue
		}
		d := levenshtein.ComputeDistance(want, modelOf(g))
		for _, s := range []string{g.Name, g.ID} {
			d = min(d, levenshtein.ComputeDistance(want, squash(s)))
		}
		all = append(all, scored{displayName(g), d})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return cmp.Compare(a.d, b.d) })
	var names []string
	for _, s := range all {
		if len(names) == maxSuggestions || s.d > max(len(want), 3) {
			break
		}
		if !slices.Contains(names, s.name) {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(names, ", ") + "?"
}

// modelOf is the word that names a type's model: the first word with a
// digit in its display name ("4090" of "RTX 4090", "h100" of "H100 SXM"),
// else in its id, else the squashed id.
func modelOf(g *runpodapi.GpuType) string {
	for _, s := range []string{g.Name, g.ID} {
		for _, w := range wordsOf(s) {
			if strings.ContainsFunc(w, unicode.IsDigit) {
				return w
			}
		}
	}
	return squash(g.ID)
}

func displayName(g *runpodapi.GpuType) string {
	if g.Name != "" && !strings.EqualFold(g.Name, g.ID) {
		return fmt.Sprintf("%s (%s)", g.Name, g.ID)
	}
	return g.ID
}

func displayList(types []*runpodapi.GpuType) string {
	names := make([]string, len(types))
	for i, g := range types {
		names[i] = displayName(g)
	}
	return strings.Join(names, ", ")
}

// squash keeps the lower-cased letters and digits of s.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// wordsOf splits s at everything but letters and digits, lower-cased.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return len(want) > 0
}
