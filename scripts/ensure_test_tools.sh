#!/usr/bin/env bash
# Installs what the editor tests need, when it is missing:
#   - Neovim, from Debian (tests/editors/test_neovim.py drives a headless nvim);
#   - the VS Code client's npm packages (`npm ci` in vscode-client/, for `npm test` there);
#   - with REVIEW_LS_SMOKE_TOOLS=1 also Chromium (Debian) and code-server (npm), for the VS Code
#     smoke test `npm run test:smoke` in vscode-client/.
# Every step says what it did, or why it could not. Nothing here fails the test run: a test whose
# tool could not be installed is skipped and names the reason.
set -uo pipefail
cd "$(dirname "$0")/.."

# code-server 4.100.3 is VS Code 1.100.3 and requires Node.js 20 (its postinstall checks the major).
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
TOOLS_DIR="${REVIEW_LS_TOOLS_DIR:-$HOME/.cache/review-ls-test-tools}"
APT_UPDATED=0

say() { echo "ensure_test_tools: $*"; }

# apt-get install the given Debian packages (as root, or with passwordless sudo).
apt_install() {
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            say "cannot install $* (needs root or passwordless sudo for apt-get)"
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null; then
        say "cannot install $* (no apt-get on this system)"
        return 1
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        "${sudo[@]}" apt-get update -qq || { say "apt-get update failed"; return 1; }
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || { say "apt-get install $* failed"; return 1; }
    say "installed $*"
}

ensure_neovim() {
    if command -v nvim >/dev/null; then
        return 0
    fi
    apt_install neovim || say "the Neovim tests will be skipped"
}

ensure_vscode_client_packages() {
    if ! command -v npm >/dev/null; then
        say "npm is not installed; the VS Code extension's tests will not run"
        return 0
    fi
    # Installed already when npm finds every locked package (an mtime comparison is wrong in a fresh
    # checkout, whose package-lock.json is newer than any install).
    if (cd vscode-client && npm ls --all >/dev/null 2>&1); then
        return 0
    fi
    # A node_modules symlink is another checkout's install: `npm ci` would empty the folder it
    # points to, under everyone who shares it.
    if [ -L vscode-client/node_modules ]; then
        say "vscode-client/node_modules is a symlink whose packages do not match package-lock.json; not touching it"
        return 0
    fi
    (cd vscode-client && npm ci --no-audit --no-fund --loglevel=error) \
        && say "installed vscode-client's npm packages" \
        || say "npm ci in vscode-client failed; the VS Code extension's tests will not run"
}

# @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in its postinstall. Where only
# the package registries are reachable, seed its download cache with Debian's rg instead.
seed_ripgrep_cache() {
    local cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
    local asset="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
    [ -f "$asset" ] && return 0
    command -v rg >/dev/null || apt_install ripgrep || return 1
    local staging
    staging="$(mktemp -d)"
    cp "$(command -v rg)" "$staging/rg"
    mkdir -p "$cache" && tar czf "$asset" -C "$staging" rg
    rm -rf "$staging"
}

ensure_smoke_tools() {
    command -v chromium >/dev/null || apt_install chromium || say "the VS Code smoke test will be skipped (no Chromium)"
    local target="$TOOLS_DIR/code-server"
    if [ -x "$target/node_modules/.bin/code-server" ]; then
        return 0
    fi
    local node_major
    node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
    if [ "$node_major" != 20 ]; then
        say "code-server $CODE_SERVER_VERSION needs Node.js 20 (found $node_major); set CODE_SERVER_VERSION to a release for this Node.js"
    fi
    # Native modules of VS Code (kerberos, keymap, secrets) build from source when prebuilt
    # binaries cannot be downloaded.
    apt_install build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev || true
    seed_ripgrep_cache || say "could not seed the ripgrep cache; code-server's install needs github.com then"
    mkdir -p "$target"
    echo '{"private": true, "allowScripts": {"code-server": true}}' >"$target/package.json"
    local nodedir=()
    [ -f /usr/include/node/node.h ] && nodedir=(env npm_config_nodedir=/usr)
    (cd "$target" && "${nodedir[@]}" env npm_config_yes=true npm_config_unsafe_perm=true \
        npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION") \
        && say "installed code-server $CODE_SERVER_VERSION in $target" \
        || say "installing code-server failed; the VS Code smoke test will be skipped"
}

ensure_neovim
ensure_vscode_client_packages
if [ "${REVIEW_LS_SMOKE_TOOLS:-0}" = 1 ]; then
    ensure_smoke_tools
fi
exit 0
