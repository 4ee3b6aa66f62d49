#!/usr/bin/env bash
# The whole test suite, from any checkout: set-up first (without the demo; it only installs what
# is missing), then unit and integration tests as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BERTH_SETUP_NO_DEMO=1 ./scripts/setup.sh >/dev/null
exec node scripts/run-tests.mjs "$@"
