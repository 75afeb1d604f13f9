#!/usr/bin/env bash
# Builds what is installed from this checkout: the review-ls wheel (dist/review_ls-*.whl) and the
# VS Code extension (vscode-client/dist/review-ls.vsix). Nothing is published to a package index.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .
echo "wheel: $(ls -t dist/review_ls-*.whl | head -n 1)"

if command -v npm >/dev/null; then
    (cd vscode-client && { [ -d node_modules ] || npm ci --silent; } && npm run --silent package)
    echo "extension: vscode-client/dist/review-ls.vsix"
else
    echo "npm not found: skipped the VS Code extension (vscode-client/dist/review-ls.vsix)" >&2
fi
