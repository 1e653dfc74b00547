#!/usr/bin/env bash
# Installs the Netlify CLI (npm package netlify-cli) into .tools/netlify-cli
# for the Netlify end-to-end tests and local runs (see install-npm-tool.sh).
# The CLI warns about Node 20 but works.
#
#   scripts/install-netlify-cli.sh            # installs NETLIFY_CLI_VERSION
#   NETLIFY_CLI_VERSION=27.10.2 scripts/install-netlify-cli.sh
set -euo pipefail
exec "$(dirname "$0")/install-npm-tool.sh" netlify-cli "${NETLIFY_CLI_VERSION:-27.10.2}" netlify
