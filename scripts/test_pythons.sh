#!/usr/bin/env bash
# The core suite (everything but tests/editors) on the other supported Pythons, one venv per version;
# see scripts/test_pythons.py (REVIEW_LS_PYTHONS="3.10 3.13" picks the versions).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/test_pythons.py "$@"
