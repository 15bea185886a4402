#!/usr/bin/env bash
# The command-line tools the tests read PDFs with: poppler-utils (pdftoppm, pdftotext, pdfinfo) and zbar-tools
# (zbarimg, the barcode decoder). Installed with apt-get when missing and running as root; otherwise this says
# what to install, and the tests that need them fail (they are never skipped).
set -u
missing=()
command -v zbarimg >/dev/null || missing+=(zbar-tools)
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  echo "pdf tests: using $(command -v zbarimg) and $(command -v pdftoppm)"; exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "pdf tests: installing Debian's ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null && exit 0
fi
echo "pdf tests: ${missing[*]} missing; install them (sudo apt-get install ${missing[*]}): the barcode tests fail without them" >&2
exit 0
