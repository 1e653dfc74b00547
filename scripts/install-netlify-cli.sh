#!/usr/bin/env bash
# Installs the Netlify CLI (npm package netlify-cli) into .tools/netlify-cli for
# the Netlify end-to-end tests and local runs. Idempotent: does nothing when the
# pinned version is already installed. Needs node and npm (Node 20+; the CLI
# warns about Node 20 but works).
#
#   scripts/install-netlify-cli.sh            # installs NETLIFY_CLI_VERSION
#   NETLIFY_CLI_VERSION=27.10.2 scripts/install-netlify-cli.sh
set -euo pipefail

version="${NETLIFY_CLI_VERSION:-27.10.2}"
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.tools/netlify-cli"
bin="$prefix/node_modules/.bin/netlify"
pkg="$prefix/node_modules/netlify-cli/package.json"

if [[ -x "$bin" && -f "$pkg" ]]; then
	installed="$(node -p "require('$pkg').version" 2>/dev/null || true)"
	if [[ "$installed" == "$version" ]]; then
		echo "netlify-cli $version already installed: $bin"
		exit 0
	fi
fi

command -v npm >/dev/null || { echo "install-netlify-cli: npm not found (install Node.js 20+)" >&2; exit 1; }
mkdir -p "$prefix"
lock="$root/scripts/npm/netlify-cli"
if [[ "$version" == "$(node -p "require('$lock/package.json').dependencies['netlify-cli']")" ]]; then
	# The pinned version installs the exact tree recorded in scripts/npm, so
	# a dependency released upstream tomorrow cannot change what CI runs.
	echo "installing netlify-cli@$version into $prefix (npm ci, scripts/npm/netlify-cli) ..."
	rm -rf "$prefix/node_modules"
	cp "$lock/package.json" "$lock/package-lock.json" "$prefix/"
	npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
else
	echo "installing netlify-cli@$version into $prefix ..."
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "netlify-cli@$version"
fi
"$bin" --version
