#!/usr/bin/env bash
# Make sure a Chromium exists for the browser tests, and say what was done.
set -euo pipefail
PYTHON=${1:-python3}
if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then
  echo "browser tests: using Chromium at $CHROMIUM"; exit 0
fi
if [ -x /usr/bin/chromium ]; then
  echo "browser tests: using /usr/bin/chromium ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"; exit 0
fi
echo "browser tests: no /usr/bin/chromium; trying Playwright's own Chromium..."
if "$PYTHON" -m playwright install chromium >/dev/null 2>&1; then
  echo "browser tests: installed Playwright's Chromium"; exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "browser tests: Playwright's download failed; installing Debian's chromium with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "browser tests: installed $(/usr/bin/chromium --version)"; exit 0
fi
echo "browser tests: no Chromium could be installed (not root, and Playwright's download failed)" >&2
exit 1
