#!/usr/bin/env bash
# Installs one npm command-line tool into .tools/<package> for the end-to-end
# tests and local runs; install-netlify-cli.sh and install-wrangler.sh call
# it with their pins. Idempotent: does nothing when the wanted version is
# already installed. Needs node and npm (Node 20+).
#
#   scripts/install-npm-tool.sh <package> <version> <command>
#
# When <version> is the one pinned in scripts/npm/<package>/package.json, the
# exact dependency tree recorded in its package-lock.json is installed with
# npm ci, so a dependency released upstream later cannot change what CI runs;
# any other version is installed with npm install.
set -euo pipefail

[[ $# -eq 3 ]] || { echo "usage: $0 <package> <version> <command>" >&2; exit 2; }
package="$1" version="$2" command="$3"
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.tools/$package"
bin="$prefix/node_modules/.bin/$command"
pkg="$prefix/node_modules/$package/package.json"
lock="$root/scripts/npm/$package"

if [[ -x "$bin" && -f "$pkg" ]]; then
	installed="$(node -p "require('$pkg').version" 2>/dev/null || true)"
	if [[ "$installed" == "$version" ]]; then
		echo "$package $version already installed: $bin"
		exit 0
	fi
fi

command -v npm >/dev/null || { echo "install-npm-tool: npm not found (install Node.js 20+)" >&2; exit 1; }
mkdir -p "$prefix"
pinned=""
if [[ -f "$lock/package.json" ]]; then
	pinned="$(node -p "require('$lock/package.json').dependencies['$package']")"
fi
if [[ "$version" == "$pinned" ]]; then
	echo "installing $package@$version into $prefix (npm ci, scripts/npm/$package) ..."
	rm -rf "$prefix/node_modules"
	cp "$lock/package.json" "$lock/package-lock.json" "$prefix/"
	npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
else
	echo "installing $package@$version into $prefix ..."
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$package@$version"
fi
"$bin" --version
