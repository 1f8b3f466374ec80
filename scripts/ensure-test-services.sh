#!/usr/bin/env bash
# What `npm test` needs besides node_modules: a running PostgreSQL (store conformance and scale-out suites),
# Debian's Chromium (dashboard browser test) and Debian's Slurm (Slurm pool suites). Idempotent and quick when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "ensure-test-services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  else
    echo "ensure-test-services: PostgreSQL is not running on 127.0.0.1:5432 and cannot be started here" >&2
  fi
fi

if [ -f scripts/ensure-chromium.sh ]; then
  bash scripts/ensure-chromium.sh
fi

if [ -f scripts/ensure-slurm.sh ]; then
  bash scripts/ensure-slurm.sh
fi

if [ -f scripts/ensure-azure-cli.sh ]; then
  bash scripts/ensure-azure-cli.sh
fi
