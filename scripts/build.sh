#!/usr/bin/env bash
# Builds what is installed from this checkout: the review-ls wheel (dist/review_ls-*.whl) and the
# VS Code extension with review-ls bundled, one .vsix per VS Code target
# (vscode-client/dist/review-ls-<target>.vsix). Nothing is published to a package index.
#
#   scripts/build.sh                      the wheel and this machine's .vsix
#   scripts/build.sh linux-x64 win32-x64  the wheel and the .vsix of each target named
#
# Targets: linux-x64 linux-arm64 alpine-x64 alpine-arm64 darwin-x64 darwin-arm64 win32-x64
# win32-arm64. Any target builds on any machine: scripts/bundle_libs.py downloads the target's wheels
# (libcst is native code, built per platform and CPython version) from the package index.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir dist .
wheel="$(ls -t dist/review_ls-*.whl | head -n 1)"
echo "wheel: $wheel"

if ! command -v npm >/dev/null; then
    echo "npm not found: skipped the VS Code extension" >&2
    exit 0
fi
(cd vscode-client && { [ -d node_modules ] || npm ci --silent; })
python3 -c "import packaging" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check packaging  # for scripts/bundle_libs.py
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("")
for target in "${targets[@]}"; do
    (cd vscode-client && REVIEW_LS_WHEEL="$wheel" npm run --silent package -- ${target:+"$target"})
done
ls -l vscode-client/dist/review-ls-*.vsix
