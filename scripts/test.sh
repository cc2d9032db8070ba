#!/usr/bin/env bash
# Runs every test of the project: vet, unit tests with the race detector, and
# a short fuzz of the annotation parsers. README command 2; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 ./...

echo "== fuzz (short)"
for target in $(go test -list '^Fuzz' ./policy/ 2>/dev/null | grep '^Fuzz' || true); do
	go test -run '^$' -fuzz "^${target}\$" -fuzztime 5s ./policy/
done
