// Package monitoring checks the alerts the chart ships with promtool, the
// tool Prometheus users check their rules with: `promtool check rules` and
// the unit tests of testdata/rules_test.yaml (`promtool test rules`).
package monitoring

import (
	"os"
	"os/exec"
	"testing"
)

func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("RPK_E2E") == "1" {
			t.Fatal("promtool is not installed; scripts/test.sh installs Debian's prometheus package")
		}
		t.Skip("promtool not installed (scripts/test.sh installs it)")
	}
	return path
}

func TestAlertRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "../../chart/monitoring/rules.yaml"},
		{"test", "rules", "testdata/rules_test.yaml"},
	} {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
