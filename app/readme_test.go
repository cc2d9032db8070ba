package app

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestREADMEConfigurationTable(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, section, ok := strings.Cut(string(raw), "<!-- env:begin -->")
	section, _, ok2 := strings.Cut(section, "<!-- env:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no <!-- env:begin --> ... <!-- env:end --> section")
	}
	rows := readmeRows(section)
	var got []string
	for _, cells := range rows {
		got = append(got, cells[0])
	}
	want := envNames()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("README variables\n got  %q\n want %q", got, want)
	}
	flagOf := map[string]string{}
	for name, variable := range flagVariables {
		flagOf[variable] = "--" + name
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag
		cells := rows[tag.Get("envconfig")]
		if flagCell := strings.Trim(cells[1], "`"); flagCell != flagOf[tag.Get("envconfig")] {
			t.Errorf("%s: README flag %q, want %q", cells[0], flagCell, flagOf[tag.Get("envconfig")])
		}
		if def := tag.Get("default"); def != "" && !strings.Contains(cells[2], "`"+def+"`") {
			t.Errorf("%s: README default %q does not show `%s`", cells[0], cells[2], def)
		}
	}
}

// readmeRows maps the backticked first cell of each table row to the row's
// trimmed cells (variable, flag, default, meaning).
func readmeRows(section string) map[string][]string {
	rows := map[string][]string{}
	for line := range strings.Lines(section) {
		cells := strings.Split(strings.TrimSpace(line), "|")
		if len(cells) != 6 || cells[0] != "" || cells[5] != "" {
			continue
		}
		cells = cells[1:5]
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if v := cells[0]; len(v) > 2 && strings.HasPrefix(v, "`") && strings.HasSuffix(v, "`") {
			cells[0] = strings.Trim(v, "`")
			rows[cells[0]] = cells
		}
	}
	return rows
}

func TestReadmeRows(t *testing.T) {
	got := readmeRows("| variable | flag | default | meaning |\n|---|---|---|---|\n| `A` | `--a` | `1` | x |\n| `B` | | none | y |\nnot | `C` | row\n")
	if len(got) != 2 || !slices.Equal(got["A"], []string{"A", "`--a`", "`1`", "x"}) || got["B"][1] != "" {
		t.Errorf("got %q", got)
	}
}
