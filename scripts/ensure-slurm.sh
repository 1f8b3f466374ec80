#!/usr/bin/env bash
# Makes sure Debian's Slurm (slurmctld, slurmd and the client commands) is installed for the Slurm pool suites
# (test/slurm). Idempotent: exits at once when it is there; otherwise installs `slurm-wlm` with apt-get when
# running as root. The tests start their own single-host cluster (test/support/slurm.ts) with `AuthType=auth/none`,
# so no system-wide Slurm or munge daemon is configured or started here; `munge` comes along for clusters that want it.
set -euo pipefail

if command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1; then
  echo "ensure-slurm: Slurm is present ($(slurmd -V 2>/dev/null || echo "version unknown"))"
  exit 0
fi

# Without a way to install it here, the Slurm suites are skipped with one line (scripts/run-tests.mjs);
# under CI=true they are required, so this fails instead. Never sudo, never a prompt.
cannot() {
  echo "ensure-slurm: Slurm is missing and $1; install Debian's slurm-wlm as root (apt-get install slurm-wlm munge)" >&2
  if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then exit 1; fi
  exit 0
}
command -v apt-get >/dev/null 2>&1 || cannot "apt-get is not available"
[ "$(id -u)" -eq 0 ] || cannot "installing it needs root"

echo "ensure-slurm: installing Debian's slurm-wlm and munge (apt-get update && apt-get install -y slurm-wlm munge)"
started=$(date +%s)
apt-get update -q || cannot "apt-get update failed"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge || cannot "apt-get install slurm-wlm failed"
echo "ensure-slurm: installed in $(($(date +%s) - started))s: $(slurmd -V 2>/dev/null || echo slurmd)"
