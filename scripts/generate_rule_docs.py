"""Write docs/rules/: one Markdown page per rule (RVxxx.md) and an index (README.md), from the rule classes.

    python scripts/generate_rule_docs.py          # regenerate (also removes pages of rules that are gone)
    python scripts/generate_rule_docs.py --check  # exit 1 and name the stale pages, change nothing

tests/test_docs_current.py runs the same comparison, so CI fails while docs/rules is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from review_ls.docs import rule_docs_pages
from review_ls.rules import all_rules

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs" / "rules"


def stale_pages(directory: Path, pages: dict[str, str]) -> list[str]:
    """Names of pages that are missing, different, or no longer generated (leftover RV*.md files)."""
    stale = [name for name, text in pages.items() if not _has_text(directory / name, text)]
    leftovers = [p.name for p in directory.glob("RV*.md") if p.name not in pages] if directory.is_dir() else []
    return sorted(stale + leftovers)


def write_pages(directory: Path, pages: dict[str, str]) -> list[str]:
    """Write the pages that changed and remove leftover RV*.md pages; return the names touched."""
    directory.mkdir(parents=True, exist_ok=True)
    touched = stale_pages(directory, pages)
    for name in touched:
        if name in pages:
            (directory / name).write_text(pages[name], encoding="utf-8", newline="\n")
        else:
            (directory / name).unlink()
    return touched


def _has_text(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except OSError:
        return False


def main() -> int:
    """Regenerate (or with --check, verify) docs/rules."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale pages (exit 1 if any)")
    parser.add_argument("--output", type=Path, default=DOCS_DIR, help=f"folder of the pages (default: {DOCS_DIR})")
    args = parser.parse_args()
    pages = rule_docs_pages(all_rules())
    if args.check:
        stale = stale_pages(args.output, pages)
        for name in stale:
            print(f"stale: {args.output / name}", file=sys.stderr)
        if stale:
            print("run: python scripts/generate_rule_docs.py", file=sys.stderr)
        return 1 if stale else 0
    touched = write_pages(args.output, pages)
    print(f"{len(pages)} pages in {args.output}; {len(touched)} written or removed.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
