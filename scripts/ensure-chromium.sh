#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the dashboard browser test (test/ui). Idempotent: exits
# at once when it is already there; otherwise installs the `chromium` package with apt-get when running as root
# (as on the project's machines and CI). Playwright never downloads a browser here: the test drives this one.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: $CHROMIUM is present ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

# Without a way to install it here, the dashboard browser test is skipped with one line (scripts/run-tests.mjs);
# under CI=true it is required, so this fails instead. Never sudo, never a prompt.
cannot() {
  echo "ensure-chromium: $CHROMIUM is missing and $1; install Debian's chromium as root (apt-get install chromium)" >&2
  if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then exit 1; fi
  exit 0
}
command -v apt-get >/dev/null 2>&1 || cannot "apt-get is not available"
[ "$(id -u)" -eq 0 ] || cannot "installing it needs root"

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium (apt-get update && apt-get install -y chromium)"
started=$(date +%s)
apt-get update -q || cannot "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium || cannot "apt-get install chromium failed"
echo "ensure-chromium: installed in $(($(date +%s) - started))s: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
