"""Runs review-ls from the libraries bundled with the VS Code extension (bundled/libs).

The extension starts `python -I <extension>/bundled/tool/server.py serve --stdio ...` (the arguments
of the `review-ls` command) when `review-ls.importStrategy` is `useBundled`, and
`python -I <this file> --probe` first: it prints the bundled review-ls version, or one line saying why
this interpreter cannot run the bundle (exit status 3). bundled/libs goes first on sys.path, so the
interpreter needs nothing installed, and what its environment has cannot shadow the bundle. Isolated
mode (-I) keeps the working directory, PYTHONPATH and the user site-packages off sys.path.

scripts/bundle_libs.py fills bundled/libs and writes review_ls_bundle.json there: the VS Code target
and the Python versions whose native wheels (libcst) the bundle holds. Like the extension template of
microsoft/vscode-python-tools-extension-template and astral-sh/ruff-vscode's bundled tool.
"""

# Only syntax that old interpreters parse: Python 3.9 or 2.7 must print the message below.
import json
import os
import platform
import sys

LIBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")
MANIFEST = os.path.join(LIBS, "review_ls_bundle.json")
UNSUPPORTED = 3  # the exit status the extension reads as "this interpreter cannot run the bundle"


def bundle_problem():
    """Why this interpreter cannot run the bundled review-ls (one line), or None."""
    try:
        with open(MANIFEST) as manifest_file:
            manifest = json.load(manifest_file)
    except (OSError, IOError, ValueError):
        return "the extension has no bundled review-ls ({} is missing); set review-ls.importStrategy to fromEnvironment".format(MANIFEST)
    version = "{}.{}".format(*sys.version_info[:2])
    implementation = platform.python_implementation()
    pythons = manifest.get("pythons", [])
    if implementation != "CPython" or version not in pythons:
        return "{} {} ({}) cannot run the bundled review-ls, which is built for CPython {}; select another interpreter".format(
            implementation, version, sys.executable, ", ".join(pythons)
        )
    return None


def main():
    """Checks the interpreter, puts bundled/libs first on sys.path and runs the review-ls command line."""
    problem = bundle_problem()
    if problem is not None:
        sys.stderr.write("review-ls: {}\n".format(problem))
        return UNSUPPORTED
    sys.path.insert(0, LIBS)
    if sys.argv[1:] == ["--probe"]:
        import libcst.native  # noqa: F401  the native parser of this Python version is in the bundle
        import review_ls

        sys.stdout.write(review_ls.__version__)
        return 0
    from review_ls.cli import main as review_ls_main

    return review_ls_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
