"""CPU of the index's extraction (parse excluded) with the call facts' blocking judge as it is and the long way
(`BlockingCalls` for every function, as before `blocking_calls` picked `BlockingCallsByName`), issue #16.

Parses the application corpus once (untimed; `benchmarks/corpus.toml`, materialised by `corpus.py`), then extracts
every file's facts (`index._facts_of_tree`, no memo) `--rounds` times each way, the two ways alternating in every
round so both see the same load, the cyclic collector off, and prints the least CPU of each (other load only adds
CPU time). The call facts (the only facts the judge reads into) of both ways are checked to be equal before timing.

    python benchmarks/blocking_judge_cpu.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import load_manifest  # noqa: E402

from review_ls.config import ConfigResolver  # noqa: E402
from review_ls.files import discover_python_files  # noqa: E402
from review_ls.patterns.blocking import BlockingCalls, BlockingCallsByName, Qualify, blocking_calls  # noqa: E402
from review_ls.project import call_facts  # noqa: E402
from review_ls.project.index import ProjectIndex, _facts_of_tree  # noqa: E402

Parsed = tuple[ast.Module, str, str, str]


def parsed_corpus() -> list[Parsed]:
    """Every file of the materialised application corpus that parses: (tree, text, path, module name)."""
    packages = [project.package for project in load_manifest() if project.package.is_dir()]
    namer = ProjectIndex(packages)._namer()
    found: list[Parsed] = []
    for path in map(str, discover_python_files(packages, ConfigResolver())):
        try:
            text = Path(path).read_text(encoding="utf-8")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found.append((ast.parse(text), text, path, namer.module_name(path)))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
    return found


def long_way(function: ast.FunctionDef | ast.AsyncFunctionDef, qualify: Qualify, shadowed: frozenset[str], kinds: dict[str, str],
             nodes: list[ast.AST], calls: list[ast.Call], object_makers: frozenset[str]) -> BlockingCalls | BlockingCallsByName:
    """`blocking_calls` without the shortcut: every function's bindings learnt."""
    return BlockingCalls(function, qualify, shadowed, kinds, nodes)


def use(judge: object) -> None:
    """Make the call facts pick their blocking judge with `judge` (`blocking_calls`, or `long_way`)."""
    setattr(call_facts, "blocking_calls", judge)  # noqa: B010 (the name is the call facts' own, not re-exported)


def extract_all(corpus: list[Parsed]) -> list[object]:
    """The call facts of every file (all its facts extracted)."""
    return [_facts_of_tree(tree, text, path, module, None)[2] for tree, text, path, module in corpus]


def main() -> None:
    """Time both ways, alternating; print the least CPU of each and the load."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    corpus = parsed_corpus()
    ways = {"shortcut": blocking_calls, "long way": long_way}
    results = {}
    for name, judge in ways.items():
        use(judge)
        results[name] = extract_all(corpus)
    use(blocking_calls)
    if results["shortcut"] != results["long way"]:
        sys.exit("the two ways extract different call facts")
    print(f"{len(corpus)} files, {sum(text.count(chr(10)) for _, text, _, _ in corpus) / 1000:.1f} KLOC; load {os.getloadavg()}")
    times: dict[str, list[float]] = {name: [] for name in ways}
    gc.disable()
    try:
        for _ in range(rounds):
            for name, judge in ways.items():
                use(judge)
                start = time.process_time()
                extract_all(corpus)
                times[name].append(time.process_time() - start)
    finally:
        use(blocking_calls)
        gc.enable()
    for name, spent in times.items():
        print(f"{name:>9}: least {min(spent):.3f} s CPU  ({', '.join(f'{t:.3f}' for t in spent)})")
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
