#!/usr/bin/env bash
# Runs the core suite (everything but the editor smoke tests in tests/editors) on other Pythons:
# 3.10, 3.12 and 3.13 by default, or the versions given in REVIEW_LS_PYTHONS ("3.10 3.13").
# Each version gets a venv under ${XDG_CACHE_HOME:-~/.cache}/review-ls-venvs, keyed by
# pyproject.toml, with this checkout installed editable in it. An interpreter is found as
# ~/.pyenv/versions/3.X.* or python3.X on PATH; a missing one fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

versions=${REVIEW_LS_PYTHONS:-3.10 3.12 3.13}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/review-ls-venvs
key=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest()[:12])')

find_python() {
    local version=$1 candidate
    # pyenv's versions first: its python3.X shims exist on PATH even when they cannot run.
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python "$(command -v "python$version" || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c '' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

for version in $versions; do
    python=$(find_python "$version") || { echo "test_pythons: no Python $version found (python$version on PATH or ~/.pyenv/versions/$version.*)" >&2; exit 2; }
    venv=$cache/$version-$key
    if [ ! -x "$venv/bin/python" ]; then
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
    fi
    echo "== Python $version: $("$venv/bin/python" --version)"
    # PYTHONPATH makes this checkout win over whatever checkout the cached venv was installed from.
    PYTHONPATH=$PWD "$venv/bin/python" -m pytest -n 2 -q -p no:cacheprovider --ignore=tests/editors "$@"
done
