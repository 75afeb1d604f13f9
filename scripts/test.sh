#!/usr/bin/env bash
# Run every default test from a clean checkout: installs the Python test dependencies, the editor
# test tools (Neovim from Debian, the VS Code client's npm packages) and runs pytest and the
# extension's unit tests, after type-checking the package with mypy, and, with REVIEW_LS_PYTHONS set, the core suite on other Pythons (scripts/test_pythons.sh). Long benchmarks and fuzzing have their own commands (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/ensure_test_tools.sh

# Type-check first ([tool.mypy] in pyproject.toml); `set -e` ends the run on any error.
python3 -m mypy
python3 -m pytest -n 2 "$@"
# The core suite on other Pythons, opt-in until it passes there (REVIEW_LS_PYTHONS="3.10 3.12 3.13").
if [ -n "${REVIEW_LS_PYTHONS-}" ]; then
    bash scripts/test_pythons.sh "$@"
fi
if [ -d vscode-client/node_modules ]; then
    (cd vscode-client && npm test --silent)
fi
