#!/usr/bin/env sh
# Builds the AWS Lambda Runtime Interface Emulator from the Go module proxy
# into .tools/aws-lambda-rie (git-ignored). platforms/lambda's end-to-end test
# runs Lambda bootstraps under it. Re-running is a no-op once the pinned
# version is installed.
set -eu
VERSION="${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}"
cd "$(dirname "$0")/.."
TOOLS="$(pwd)/.tools"
if [ -x "$TOOLS/aws-lambda-rie" ] && [ "$(cat "$TOOLS/aws-lambda-rie.version" 2>/dev/null)" = "$VERSION" ]; then
	exit 0
fi
mkdir -p "$TOOLS"
echo "building aws-lambda-rie $VERSION from the module proxy"
GOBIN="$TOOLS" go install "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$VERSION"
echo "$VERSION" > "$TOOLS/aws-lambda-rie.version"
