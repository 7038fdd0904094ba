#!/usr/bin/env bash
# Two real documentation sites for the audit's field test (tests/integration/test_docs_audit.py):
# Debian's Python 3.11 and PostgreSQL 15 HTML docs. Idempotent; exits 1 (and says why) when they are
# missing and cannot be installed (not root, no apt), so the test can skip.
set -euo pipefail

PACKAGES=(python3.11-doc postgresql-doc-15)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-doc-sites: cannot apt-get (not root or no apt); missing: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Several runs may overlap on a shared machine: wait for the dpkg lock instead of failing.
apt-get -o DPkg::Lock::Timeout=300 update -qq || true
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
