#!/usr/bin/env sh
# Builds every Lambda sample (samples/lambda/<name>) as a custom-runtime
# bootstrap, the way template.yaml deploys them:
#   dist/lambda/<name>/bootstrap   (linux/$GOARCH, CGO_ENABLED=0, -tags lambda.norpc,
#                                   -trimpath, -ldflags "-s -w")
# GOARCH defaults to arm64 (the template's Architectures); set GOARCH=amd64
# for x86_64 functions.
# With --zip it also writes dist/lambda/<name>.zip, ready for
# `aws lambda update-function-code --zip-file fileb://dist/lambda/<name>.zip`.
set -eu
cd "$(dirname "$0")/.."
GO="${GO:-go}"
ARCH="${GOARCH:-arm64}"
ZIP=0
[ "${1:-}" = "--zip" ] && ZIP=1
for dir in samples/lambda/*/; do
	name="$(basename "$dir")"
	out="dist/lambda/$name"
	mkdir -p "$out"
	echo "==> building $name (linux/$ARCH) -> $out/bootstrap"
	CGO_ENABLED=0 GOOS=linux GOARCH="$ARCH" "$GO" build -tags lambda.norpc -trimpath -ldflags "-s -w" \
		-o "$out/bootstrap" "./$dir"
	if [ "$ZIP" = 1 ]; then
		rm -f "dist/lambda/$name.zip"
		if command -v zip >/dev/null 2>&1; then
			(cd "$out" && zip -q -X "../$name.zip" bootstrap)
		else
			# The archive must keep bootstrap executable; python's zipfile does.
			(cd "$out" && python3 -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED); z.write("bootstrap"); z.close()' "../$name.zip")
		fi
		echo "    packaged dist/lambda/$name.zip"
	fi
done
