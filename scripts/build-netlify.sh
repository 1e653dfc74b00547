#!/usr/bin/env sh
# Builds every Netlify sample function (samples/netlify/functions/<name>, each
# its own Go module with main.go) the way Netlify runs a prebuilt Go function:
#   dist/netlify/functions/<name>   (linux/amd64, CGO_ENABLED=0, -tags lambda.norpc,
#                                    -trimpath, -ldflags "-s -w")
# That directory is the site's functions folder for deploys:
#   make deploy-netlify   (platforms/netlify/deploy uploads it with samples/netlify/public)
# Set OUT to build elsewhere.
set -eu
cd "$(dirname "$0")/.."
GO="${GO:-go}"
OUT="${OUT:-dist/netlify/functions}"
mkdir -p "$OUT"
OUT_ABS="$(cd "$OUT" && pwd)"
for dir in samples/netlify/functions/*/; do
	[ -f "$dir/main.go" ] || continue
	name="$(basename "$dir")"
	echo "==> building $name (linux/amd64) -> $OUT/$name"
	# Each function is its own module (replace => the repository), as the
	# Netlify CLI needs for local runs; build inside it.
	(cd "$dir" && CGO_ENABLED=0 GOOS=linux GOARCH=amd64 "$GO" build -tags lambda.norpc -trimpath \
		-ldflags "-s -w" -o "$OUT_ABS/$name" .)
done
