#!/usr/bin/env bash
# Run every default test from a clean checkout: installs the Python test dependencies, the editor
# test tools (Neovim from Debian, the VS Code client's npm packages) and runs pytest and the
# extension's unit tests, then the core suite on Python 3.10, 3.12 and 3.13 (scripts/test_pythons.sh). Long benchmarks and fuzzing have their own commands (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/ensure_test_tools.sh

python3 -m pytest -n 2 "$@"
# The core suite on the other supported Pythons (REVIEW_LS_PYTHONS= skips, "3.13" picks one).
if [ -n "${REVIEW_LS_PYTHONS-3.10 3.12 3.13}" ]; then
    REVIEW_LS_PYTHONS=${REVIEW_LS_PYTHONS-3.10 3.12 3.13} bash scripts/test_pythons.sh "$@"
fi
if [ -d vscode-client/node_modules ]; then
    (cd vscode-client && npm test --silent)
fi
