#!/usr/bin/env bash
# Run every default test from a clean checkout: installs the Python test dependencies and the editor
# test tools (Neovim from Debian, the VS Code client's npm packages, Chromium and code-server for the
# extension's smoke test), type-checks the package with mypy, runs the core suite on the other
# supported Pythons (scripts/test_pythons.py: 3.10-3.13 but this one, each in its own cached venv;
# REVIEW_LS_PYTHONS="3.10" picks versions, empty skips them), the extension's smoke test (packages this
# platform's .vsix with review-ls bundled and runs it in code-server against a bare venv; skipped, with
# the reason, when code-server or Chromium could not be installed) and its unit tests, then the whole
# pytest suite on python3 (last, so that its summary ends the output; it also checks the bundle the
# smoke test built). A failure anywhere fails the run after everything has run. Long benchmarks and
# fuzzing have their own commands (see README).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
REVIEW_LS_SMOKE_TOOLS=1 bash scripts/ensure_test_tools.sh

# Type-check first ([tool.mypy] in pyproject.toml); `set -e` ends the run on any error.
python3 -m mypy
# The other Pythons and the extension next, so that python3's pytest summary is the last one.
failed=0
python3 scripts/test_pythons.py "$@" || failed=$?
if [ -d vscode-client/node_modules ]; then
    # The smoke test packages the .vsix (filling bundled/libs) first, so the bundle's tests run too.
    (cd vscode-client && npm run --silent test:smoke && npm test --silent) || failed=$?
fi
python3 -m pytest -n 2 "$@"
exit "$failed"
