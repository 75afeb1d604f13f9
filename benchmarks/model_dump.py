"""A dump of everything the application model answers on a corpus, to check that a change of the extraction or of
the summaries leaves the answers as they were (issue #14, item 7: cheaper extraction, same model).

The dump holds every file's stored facts (file facts, call facts, type facts) and every answer of
`tests/project/model_observation.observe` (summaries, views, entry points). Write one dump per
version of the code and compare them:

    python benchmarks/model_dump.py --write /tmp/before.pickle [PATH ...]     # (on the base)
    python benchmarks/model_dump.py --compare /tmp/before.pickle [PATH ...]   # (after the change): prints what differs

Default corpus: the application packages of `benchmarks/corpus.toml` (as `index_cost.py`). Fingerprints are left
out: they hash values whose hashes differ from process to process (`None`'s, before Python 3.12); the facts they
are made from are compared instead. The script runs itself with a fixed `PYTHONHASHSEED` (set orders stay the same).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from dataclasses import fields
from pathlib import Path

from review_ls import compact_pickle
from review_ls.project import ProjectIndex
from review_ls.project.call_facts import ModuleCallFacts
from review_ls.project.types import ModuleTypeFacts

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "project"))
from index_cost import application_corpus  # noqa: E402
from model_observation import observe  # noqa: E402


def model_dump(roots: list[Path]) -> dict[str, object]:
    """Every stored fact and every answer of the model built from the files under `roots`."""
    files = [p for root in roots for p in (sorted(root.rglob("*.py")) if root.is_dir() else [root])]
    index = ProjectIndex.build(files, [root if root.is_dir() else root.parent for root in roots], jobs=1)
    facts = {path: (index.facts(path), _call_fields(index.call_facts(path)), _without_fingerprint(index.types.for_path(path))) for path in sorted(index.paths)}
    return {"facts": facts, "observed": observe(index)}


def _call_fields(calls: ModuleCallFacts | None) -> tuple[object, ...] | None:
    """The call facts' fields, the re-exports as (name, target) pairs however the version keeps them."""
    if calls is None:
        return None
    return (calls.module, calls.functions, calls.aliases, calls.registered, calls.classes, calls.state, calls.queries)


def _without_fingerprint(types: ModuleTypeFacts | None) -> tuple[object, ...] | None:
    """The type facts' fields but the fingerprint (the class compares by identity)."""
    return None if types is None else tuple(getattr(types, f.name) for f in fields(types) if f.name != "fingerprint")


def differences(before: dict[str, object], after: dict[str, object], limit: int = 20) -> list[str]:
    """Where two dumps differ (at most `limit` places)."""
    found: list[str] = []
    for part in sorted(set(before) | set(after)):
        old, new = before.get(part), after.get(part)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            for key in sorted(set(old) | set(new), key=repr):
                if old.get(key) != new.get(key):
                    found.append(f"{part}: {key!r}: {old.get(key)!r:.300} -> {new.get(key)!r:.300}")
                    if len(found) >= limit:
                        return found
        else:
            found.append(f"{part}: {old!r:.300} -> {new!r:.300}")
    return found


def main() -> None:
    """Write or compare a dump."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", type=Path)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, help="write the dump to this file")
    action.add_argument("--compare", type=Path, help="compare with the dump in this file")
    args = parser.parse_args()
    started = time.perf_counter()
    dump = model_dump(args.paths or application_corpus())
    facts = dump["facts"]
    assert isinstance(facts, dict)
    if args.write:
        args.write.write_bytes(compact_pickle.dumps(dump))  # (facts as their class and field values: a dump loads back
        # the same after the classes change how they store fields, e.g. gain `slots=True`)
        print(f"wrote the model of {len(facts)} files to {args.write} ({time.perf_counter() - started:.0f} s)")
        return
    found = differences(pickle.loads(args.compare.read_bytes()), dump)
    print("\n".join(found) if found else f"identical: the model of {len(facts)} files answers as {args.compare} holds")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
