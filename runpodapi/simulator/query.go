package simulator

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// queryList reads a comma-separated (style: form, explode: false) query
// parameter; repeated parameters are accepted too. Empty entries are dropped.
func queryList(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// queryEnumList is queryList restricted to allowed values; anything else is
// a 422 naming the parameter.
func queryEnumList(q url.Values, name string, allowed ...string) ([]string, error) {
	items := queryList(q, name)
	for _, item := range items {
		if !slices.Contains(allowed, item) {
			return nil, errInvalid(fmt.Sprintf("%s: value %q must be one of %s", name, item, strings.Join(allowed, ", ")))
		}
	}
	return items, nil
}

// queryPatternList is queryList where every entry must match re (422 otherwise).
func queryPatternList(q url.Values, name string, re *regexp.Regexp) ([]string, error) {
	items := queryList(q, name)
	for _, item := range items {
		if !re.MatchString(item) {
			return nil, errInvalid(fmt.Sprintf("%s: value %q does not match %s", name, item, re))
		}
	}
	return items, nil
}

// queryInt reads an integer parameter with a default and a range (422 outside).
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid(fmt.Sprintf("%s: want an integer between %d and %d, got %q", name, lo, hi, raw))
	}
	return n, nil
}

// queryBool reads an optional boolean parameter (422 when malformed).
func queryBool(q url.Values, name string) (*bool, error) {
	raw := q.Get(name)
	if raw == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return nil, errInvalid(fmt.Sprintf("%s: want true or false, got %q", name, raw))
	}
	return &b, nil
}
