#!/usr/bin/env bash
# Installs Cloudflare's wrangler CLI (npm package wrangler, which brings the
# workerd runtime with it) into .tools/wrangler for the Workers end-to-end test
# and for deploying samples/workers (see install-npm-tool.sh). Wrangler 4.86.0
# is the newest release that still runs on Node 20.
#
#   scripts/install-wrangler.sh                 # installs WRANGLER_VERSION
#   WRANGLER_VERSION=4.86.0 scripts/install-wrangler.sh
set -euo pipefail
# Wrangler's telemetry stays off for the install and the version check.
export WRANGLER_SEND_METRICS=false
exec "$(dirname "$0")/install-npm-tool.sh" wrangler "${WRANGLER_VERSION:-4.86.0}" wrangler
