#!/usr/bin/env bash
# A private virtualenv with dlt + duckdb for the benchmark's "dlt" stage, created once, cached in
# .cache/bench-dlt (git-ignored). Prints the python to use. DLT_VERSION overrides the pinned version.
set -euo pipefail
cd "$(dirname "$0")/../.."
DLT_VERSION="${DLT_VERSION:-1.31.0}"
VENV=".cache/bench-dlt"
MARK="$VENV/.dlt-$DLT_VERSION"
if [ ! -f "$MARK" ]; then
  command -v python3 >/dev/null || { echo "bench: python3 is needed for the dlt stage" >&2; exit 1; }
  echo "bench: installing dlt[duckdb]==$DLT_VERSION into $VENV (once)" >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "dlt[duckdb]==$DLT_VERSION" >&2
  touch "$MARK"
fi
echo "$PWD/$VENV/bin/python"
