#!/usr/bin/env bash
# The whole test suite on a fresh machine (see prepare.sh for what it installs and starts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prepare.sh
node scripts/test.mjs "$@"
