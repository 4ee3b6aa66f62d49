#!/usr/bin/env bash
# The whole test suite, from any checkout: set-up first (without the demo; it only installs what
# is missing), then the type check and lint, then unit and integration tests as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH_SETUP_NO_DEMO=1 ./scripts/setup.sh >/dev/null
# Everything runs on berth's own Node, the one set-up recorded (Node 24 LTS).
PATH="$(dirname "$(readlink -f node_modules/.berth-node)"):$PATH"
# Fail fast: types and lint (floating promises and the like) before minutes of tests.
npm run --silent typecheck
npm run --silent lint
exec node scripts/run-tests.mjs "$@"
