"""Where the CPU of each edit goes: the typing trace of `lsp_latency.py --trace`, replayed in-process.

Replays the seeded plan of `typing_trace.py` (bursts of keys, pauses, both states) through the work the
server does, without the protocol: the fast pass for every key; after every pause longer than the
settle delay, the settling pass, the re-indexing of the document into the project model (with the
settled tree, as `server/dependents.py` does; skipped while the text does not parse) and, when a
fact changed, the re-analysis of the document. Prints the process CPU time per edit of each phase,
and the open (first analysis, then the first re-indexing). Numbers only: no targets are checked here.

    python benchmarks/edit_cpu.py [--file PATH] [--bursts 12] [--seed 1]
"""

from __future__ import annotations

import argparse
import ast
import gc
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from typing_trace import STATES, plan_state  # noqa: E402

from review_ls.config import Settings  # noqa: E402
from review_ls.engine.analysis import rule_set_for  # noqa: E402
from review_ls.engine.incremental import IncrementalAnalyser  # noqa: E402
from review_ls.project.index import ProjectIndex  # noqa: E402
from review_ls.server.dependents import reindex  # noqa: E402

SETTLE_DELAY = 0.3


def replay(path: Path, bursts: int, seed: int) -> None:
    """Replay the trace over a copy of `path` in a fresh workspace folder and print CPU per edit by phase."""
    clock = time.process_time
    with tempfile.TemporaryDirectory() as workspace:
        copy = Path(workspace) / path.name
        shutil.copy(path, copy)
        text = copy.read_text(encoding="utf-8")
        settings = Settings()
        rule_set_for(settings)
        gc.freeze()  # as the server does after loading the rules
        index = ProjectIndex.build([copy], roots=[workspace])
        lines = text.split("\n")
        rng = random.Random(seed)
        plans = {state: plan_state(lines, state, bursts, rng) for state in STATES}
        analyser = IncrementalAnalyser(str(copy))
        started = clock()
        analyser.analyse(text, settings, index)
        opened = clock()
        reindex(index, {str(copy): text}, (), (str(copy),), None, _trees(analyser, str(copy)))
        indexed = clock()
        print(f"file: {path} ({len(lines):,} lines); {bursts} bursts per state, seed {seed}")
        print(f"open: analysis {(opened - started) * 1000:.1f} ms, first re-indexing {(indexed - opened) * 1000:.1f} ms (CPU)")
        print(f"{'state':8s}{'edits':>7s}{'fast':>9s}{'settle':>9s}{'reindex':>9s}{'re-analyse':>12s}{'total':>9s}   (ms CPU per edit)")
        for state in STATES:
            spent = dict.fromkeys(("fast", "settle", "reindex", "reanalyse"), 0.0)
            changes = plans[state]
            for number, change in enumerate(changes):
                line = lines[change.line]
                lines[change.line] = line[: change.column] + change.text + line[change.column + change.length :]
                new = "\n".join(lines)
                before = clock()
                analyser.analyse(new, settings, index, settle=False)
                spent["fast"] += clock() - before
                following = changes[number + 1] if number + 1 < len(changes) else None
                if following is not None and following.at - change.at <= SETTLE_DELAY:
                    continue
                before = clock()
                analyser.analyse(new, settings, index, settle=True)
                spent["settle"] += clock() - before
                if not analyser.text_parses:
                    continue
                before = clock()
                affected = reindex(index, {str(copy): new}, (), (str(copy),), None, _trees(analyser, str(copy)))
                spent["reindex"] += clock() - before
                if affected:
                    before = clock()
                    analyser.analyse(new, settings, index, settle=True)
                    spent["reanalyse"] += clock() - before
            per_edit = {phase: seconds * 1000 / len(changes) for phase, seconds in spent.items()}
            cells = "".join(f"{per_edit[phase]:9.1f}" for phase in ("fast", "settle", "reindex"))
            print(f"{state:8s}{len(changes):7d}{cells}{per_edit['reanalyse']:12.1f}{sum(per_edit.values()):9.1f}")


def _trees(analyser: IncrementalAnalyser, path: str) -> dict[str, ast.Module] | None:
    """The settled tree of the document, as the server hands it to the re-indexing."""
    tree = analyser.settled_tree()
    return None if tree is None else {path: tree}


def main() -> int:
    """Parse arguments and replay."""
    from lsp_latency import DEFAULT_FILE as STDLIB_FILE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=STDLIB_FILE, help="the file to type into (default: %(default)s)")
    parser.add_argument("--bursts", type=int, default=12, help="bursts per state (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the typing plan (default: %(default)s)")
    arguments = parser.parse_args()
    replay(arguments.file.resolve(), arguments.bursts, arguments.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
