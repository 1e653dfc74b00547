#!/usr/bin/env bash
# Builds every Cloudflare Workers sample (samples/workers/<name>/main.go) as
# a Worker: <dir>/build/app.wasm (GOOS=js GOARCH=wasm, stripped, trimpath)
# plus the JavaScript glue of github.com/syumai/workers (worker.mjs,
# runtime.mjs, wasm_exec.js) written by its workers-assets-gen at the version
# go.mod requires. Prints each Worker's raw and gzip size (all modules
# gzipped together at the default level, as wrangler measures the upload)
# and fails when the gzip size passes the free plan's limit, 3 MiB as
# wrangler counts it (MAX_GZIP_BYTES overrides).
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
	GOOS=js GOARCH=wasm CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
		-gcflags=all=-l -gcflags='runtime=' -gcflags='crypto/...=' \
		-o "$build/app.wasm" "./$src"
	raw=$(cat "$build"/*.mjs "$build"/*.js "$build/app.wasm" | wc -c)
	gz=$(cat "$build"/*.mjs "$build"/*.js "$build/app.wasm" | gzip -6 | wc -c)
	echo "$name: $raw bytes raw, $gz bytes gzip (app.wasm $(stat -c %s "$build/app.wasm") bytes) -> $build"
	if (( gz > max_gzip )); then
		echo "build-workers: $name is over $max_gzip bytes gzipped (Cloudflare's free plan limit)" >&2
		status=1
	fi
done
exit $status
