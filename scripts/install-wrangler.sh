#!/usr/bin/env bash
# Installs Cloudflare's wrangler CLI (npm package wrangler, which brings the
# workerd runtime with it) into .tools/wrangler for the Workers end-to-end test
# and for deploying samples/workers. Idempotent: does nothing when the pinned
# version is already installed. Needs node and npm (Node 20; wrangler 4.86.0
# is the newest release that still runs on Node 20).
#
#   scripts/install-wrangler.sh                 # installs WRANGLER_VERSION
#   WRANGLER_VERSION=4.86.0 scripts/install-wrangler.sh
set -euo pipefail

version="${WRANGLER_VERSION:-4.86.0}"
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.tools/wrangler"
bin="$prefix/node_modules/.bin/wrangler"
pkg="$prefix/node_modules/wrangler/package.json"

if [[ -x "$bin" && -f "$pkg" ]]; then
	installed="$(node -p "require('$pkg').version" 2>/dev/null || true)"
	if [[ "$installed" == "$version" ]]; then
		echo "wrangler $version already installed: $bin"
		exit 0
	fi
fi

command -v npm >/dev/null || { echo "install-wrangler: npm not found (install Node.js 20+)" >&2; exit 1; }
mkdir -p "$prefix"
lock="$root/scripts/npm/wrangler"
# Wrangler's telemetry stays off for the install and the version check.
if [[ "$version" == "$(node -p "require('$lock/package.json').dependencies['wrangler']")" ]]; then
	# The pinned version installs the exact tree recorded in scripts/npm, so
	# a dependency released upstream tomorrow cannot change what CI runs.
	echo "installing wrangler@$version into $prefix (npm ci, scripts/npm/wrangler) ..."
	rm -rf "$prefix/node_modules"
	cp "$lock/package.json" "$lock/package-lock.json" "$prefix/"
	WRANGLER_SEND_METRICS=false npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
else
	echo "installing wrangler@$version into $prefix ..."
	WRANGLER_SEND_METRICS=false npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "wrangler@$version"
fi
WRANGLER_SEND_METRICS=false "$bin" --version
