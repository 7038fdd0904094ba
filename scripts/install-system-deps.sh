#!/usr/bin/env bash
# System packages the tests and benchmarks need, from Debian: idempotent, and a no-op when present.
# Chromium renders crawls with render: "chromium" (`make run`) and drives the end-to-end tests
# (neither Playwright for Python nor playwright-core downloads a browser here).
# Without root we cannot apt-get; we say what is missing and let the caller decide.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# nginx: the deployment tests run `nginx -t` on deploy/nginx (it lives in /usr/sbin, not always on PATH).
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-system-deps: not root, skipping apt-get; missing: ${need[*]}" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
# Several runs may overlap on a shared machine: wait for the dpkg lock instead of failing.
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}"
