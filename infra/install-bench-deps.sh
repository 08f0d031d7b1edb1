#!/usr/bin/env bash
# Installs what the benchmarks (bench/, `npm run bench:*`) compare against and the tests do not
# need: Debian's haproxy, the L4 (TCP mode) reference each benchmark runs side by side.
# As root it runs apt-get; otherwise it stops and prints the exact command to run.
set -euo pipefail

command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] && exit 0

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing benchmark dependency. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends haproxy" >&2
  exit 1
fi
# Debian would start a system haproxy on install; the benchmarks run their own on free ports.
# The same policy-rc.d guard as install-test-deps.sh, kept short: deny starts for this install.
policy=/usr/sbin/policy-rc.d
saved=""
if [ -e "$policy" ]; then saved="$(mktemp)"; cp -p "$policy" "$saved"; fi
restore_policy() { if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi; }
trap restore_policy EXIT
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 755 "$policy"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends haproxy >/dev/null
