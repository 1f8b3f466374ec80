#!/usr/bin/env bash
# Makes sure the Azure CLI (`az`, Debian's azure-cli package, 2.45 on Debian 12) is installed for the suite that
# drives `az batch` against the server (test/cli-az). Idempotent: exits at once when `az` is there; otherwise
# installs it with apt-get when running as root. When it cannot, it says why and the suite reports itself skipped
# with that reason: the CLI is a compatibility check, not something the rest of the tests need.
set -euo pipefail

if command -v az >/dev/null 2>&1; then
  echo "ensure-azure-cli: az is present"
  exit 0
fi

cannot() {
  echo "ensure-azure-cli: az is missing and $1; install Debian's azure-cli as root (apt-get install azure-cli)" >&2
  exit 0
}
command -v apt-get >/dev/null 2>&1 || cannot "apt-get is not available"
[ "$(id -u)" -eq 0 ] || cannot "installing it needs root"

echo "ensure-azure-cli: installing Debian's azure-cli (apt-get update && apt-get install -y azure-cli)"
started=$(date +%s)
apt-get update -q || cannot "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends azure-cli ||
  cannot "apt-get install azure-cli failed"
echo "ensure-azure-cli: installed in $(($(date +%s) - started))s"
