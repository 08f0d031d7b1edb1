#!/usr/bin/env bash
# Runs one benchmark (`npm run bench:* -- args`): installs its reference peers if missing, lifts
# the open-file limit (thousands of players, each one socket here and up to two in a relay), then
# runs the script with tsx. Usage: bench/run.sh bench/<script>.ts [args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/install-bench-deps.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
script="$1"
shift
exec node --import tsx "$script" "$@"
