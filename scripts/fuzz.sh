#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 30s;
# CI uses e.g. FUZZTIME=5s). Targets are discovered from the sources: every
# "func FuzzXxx(f *testing.F)" in a *_test.go file outside the separate bench
# module. FUZZ_PKGS limits the run to some packages (e.g. "./wacht"),
# FUZZ_MATCH to target names matching a regexp, FUZZ_PARALLEL sets the
# workers per target (default 2). New crashers land in the package's
# testdata/fuzz/<Target>/ and fail the run: commit them as regression seeds.
# A summary line per target (execs) is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-30s}"
FUZZ_PARALLEL="${FUZZ_PARALLEL:-2}"
FUZZ_MATCH="${FUZZ_MATCH:-.}"
pkgs="${FUZZ_PKGS:-}"
if [ -z "$pkgs" ]; then
	pkgs=$(grep -rl --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . |
		grep -v -E '^\./(bench|dist|\.tools)/' | xargs -n1 dirname | sort -u)
fi
fail=0
summary=()
for pkg in $pkgs; do
	targets=$(grep -h -o -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' "$pkg"/*_test.go |
		sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/' | grep -E "$FUZZ_MATCH" | sort -u || true)
	for t in $targets; do
		echo "== $pkg $t ($FUZZTIME)"
		log=$(mktemp)
		if go test -run '^$' -fuzz "^${t}\$" -fuzztime "$FUZZTIME" -parallel "$FUZZ_PARALLEL" "$pkg" >"$log" 2>&1; then
			status=ok
		else
			status=FAIL
			fail=1
		fi
		tail -n 3 "$log"
		[ "$status" = ok ] || cat "$log"
		execs=$(grep -o -E 'execs: [0-9]+' "$log" | tail -n 1 | awk '{print $2}' || true)
		summary+=("$(printf '%-4s %-40s %-28s execs=%s' "$status" "$pkg" "$t" "${execs:-?}")")
		rm -f "$log"
	done
done
echo
echo "== fuzz summary (FUZZTIME=$FUZZTIME each)"
printf '%s\n' "${summary[@]}"
exit $fail
