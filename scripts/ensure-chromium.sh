#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the dashboard browser test (test/ui). Idempotent: exits
# at once when it is already there; otherwise installs the `chromium` package with apt-get (needs root, as on the
# project's machines and CI). Playwright never downloads a browser here: the test drives this one.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM is present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
    exit 1
  fi
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium (apt-get update && apt-get install -y chromium)"
started=$(date +%s)
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
echo "ensure-chromium: installed in $(($(date +%s) - started))s: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
