#!/usr/bin/env bash
# Make sure axe-core (the accessibility checker the browser tests inject into each page) is installed in
# tests/e2e/axe/node_modules, at the version tests/e2e/axe/package-lock.json pins, and say what was done.
set -euo pipefail
cd "$(dirname "$0")/../tests/e2e/axe"
AXE=node_modules/axe-core/axe.min.js
want=$(sed -n 's/.*"axe-core": "\([^"]*\)".*/\1/p' package.json | head -1)
have=$(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' node_modules/axe-core/package.json 2>/dev/null | head -1 || true)
if [ -f "$AXE" ] && [ "$have" = "$want" ]; then
  echo "browser tests: axe-core $have in tests/e2e/axe"; exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "browser tests: no npm; installing Debian's npm with apt-get"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "browser tests: axe-core needs npm (Node.js); install it and run this again" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "browser tests: installed axe-core $want in tests/e2e/axe"
