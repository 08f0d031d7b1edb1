#!/usr/bin/env bash
# The whole test suite: system dependencies, type check, lint, build, then every test file with
# node's test runner (its summary closes the output; any failure makes the exit code non-zero).
set -euo pipefail
cd "$(dirname "$0")/.."

bash infra/install-test-deps.sh
[ -d node_modules ] || npm ci

npm run --silent typecheck
npm run --silent lint
# Once, before the files run in parallel: tests that need dist/ use it and never rebuild it
# while another file reads it (test/helpers/bundle.ts).
npm run --silent build

mapfile -t files < <(find test -name '*.test.ts' | sort)
export PROXY_LOG_LEVEL="${PROXY_LOG_LEVEL:-warn}"
# --test-force-exit: a file whose tests have all finished ends even if a peer library (werift's
# DTLS retries, say) still holds a socket, so one lingering handle cannot hang the whole run.
node --import tsx --test --test-force-exit --test-reporter=spec "${files[@]}"
