// Package install tests what users install: the Helm chart in chart/ and the
// kustomize tree in kustomize/. It lints and renders the chart, checks its
// values schema and that every environment variable of the kubelet has a
// value, keeps the chart's RBAC equal to kustomize's, applies both with
// --dry-run=server to a real API server, and runs the kubelet binary under
// the chart's ServiceAccount (not the admin) through the smoke path.
//
// Everything here needs helm (scripts/tools.sh builds it through the Go
// module proxy, or RPK_TOOLS_DIR names it) and kubectl from the control
// plane build, so it runs only with RPK_E2E=1, as scripts/test.sh sets.
package install
