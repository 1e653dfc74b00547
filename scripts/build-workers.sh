#!/usr/bin/env bash
# Builds every Cloudflare Workers sample (samples/workers/<name>/main.go) as
# a Worker: <dir>/build/app.wasm (GOOS=js GOARCH=wasm, stripped, trimpath),
# wasm_exec.js written by github.com/syumai/workers' workers-assets-gen at
# the version go.mod requires, and the entry platforms/workers/worker.mjs,
# which starts the Go program once per isolate and dispatches every request
# into it. Prints each Worker's raw and gzip size (all modules gzipped
# together at the default level, as wrangler measures the upload) and the
# margin, and fails when the gzip size passes the free plan's limit, 3 MiB
# as wrangler counts it (MAX_GZIP_BYTES overrides).
#
# WORKERS_ENTRY=per-request builds with syumai/workers' own entry instead
# (a fresh Go instance for every request, and -tags wacht_perrequest): the
# entry the package used before, kept for the benchmark's comparison.
#
# A name holding a slash is a package directory of its own (with its
# wrangler.jsonc), such as the tests' platforms/workers/testdata/probe.
#
# Inlining is turned off except in the runtime and crypto packages: that
# makes the program compress about 9% smaller (it is the difference between
# fitting the free plan and not) while the hot paths (allocation, maps,
# signature checks) keep their speed.
#
#   scripts/build-workers.sh                 # in place: samples/workers/<name>/build
#   scripts/build-workers.sh OUT [name...]   # OUT/<name>/{wrangler.jsonc,build/}
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-}"
shift || true
max_gzip="${MAX_GZIP_BYTES:-3145728}"
entry="${WORKERS_ENTRY:-shared}"
case "$entry" in
shared) tags="" ;;
per-request) tags="wacht_perrequest" ;;
*) echo "build-workers: WORKERS_ENTRY is shared or per-request, not $entry" >&2; exit 2 ;;
esac
cd "$root"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
	for d in samples/workers/*/; do
		[[ -f "$d/main.go" ]] && names+=("$(basename "$d")")
	done
fi

status=0
for name in "${names[@]}"; do
	src="samples/workers/$name"
	[[ "$name" == */* ]] && src="${name%/}" && name="$(basename "$src")"
	[[ -f "$src/main.go" ]] || { echo "build-workers: no sample $src" >&2; exit 1; }
	if [[ -n "$out" ]]; then
		mkdir -p "$out/$name"
		dest="$(cd "$out/$name" && pwd)"
		cp "$src/wrangler.jsonc" "$dest/wrangler.jsonc"
	else
		dest="$root/$src"
	fi
	build="$dest/build"
	go run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o "$build"
	if [[ "$entry" == shared ]]; then
		cp platforms/workers/worker.mjs "$build/worker.mjs"
		rm -f "$build/runtime.mjs"
	fi
	GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -tags "$tags" \
		-gcflags=all=-l -gcflags='runtime=' -gcflags='crypto/...=' \
		-o "$build/app.wasm" "./$src"
	raw=$(cat "$build"/*.mjs "$build"/*.js "$build/app.wasm" | wc -c)
	gz=$(cat "$build"/*.mjs "$build"/*.js "$build/app.wasm" | gzip -6 | wc -c)
	echo "$name ($entry entry): $raw bytes raw, $gz bytes gzip (app.wasm $(stat -c %s "$build/app.wasm") bytes), $((max_gzip - gz)) bytes under the $max_gzip-byte limit -> $build"
	if (( gz > max_gzip )); then
		echo "build-workers: $name is over $max_gzip bytes gzipped (Cloudflare's free plan limit)" >&2
		status=1
	fi
done
exit $status
