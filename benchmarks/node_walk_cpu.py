"""CPU of the node walks of `patterns/node_walk.py` over every function of the application corpus.

Parses the named corpus projects once (untimed), then times each helper over all of their function bodies (and, for
the per-node helpers, over every node of those functions) with `time.process_time()`, the cyclic collector off, and
prints the least of `--rounds` rounds per helper. `--against TREE` loads `TREE/review_ls/patterns/node_walk.py` (say,
a checkout of main) beside this tree's and alternates the two in every round, so both see the same load; the results
of the two are checked to be the very same nodes.

    python benchmarks/node_walk_cpu.py [--rounds 5] [--against TREE] [NAME ...]
"""

from __future__ import annotations

import argparse
import ast
import gc
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

ALL_PROJECTS = ("dispatch", "mealie", "khoj", "polar", "paperless-ngx", "ctfd", "redash", "maubot", "chainlit")
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _load(path: Path, name: str) -> ModuleType:
    """The module at `path`, imported under `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _functions(names: list[str]) -> list[FunctionNode]:
    """Every function of the named corpus projects' Python files that parse."""
    from corpus import load_manifest

    found: list[FunctionNode] = []
    for project in load_manifest():
        if project.name not in names:
            continue
        for folder, _, files in os.walk(project.package):
            for file in files:
                if not file.endswith(".py"):
                    continue
                try:
                    tree = ast.parse(Path(folder, file).read_text(encoding="utf-8"))
                except (SyntaxError, UnicodeDecodeError, ValueError):
                    continue
                found.extend(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return found


def _cases(walks: ModuleType, functions: list[FunctionNode], nodes: list[ast.AST]) -> dict[str, Callable[[], list[Any]]]:
    """Each helper of `walks` applied to the corpus's functions (or nodes), by name."""
    return {
        "own_node_list": lambda: [walks.own_node_list(f.body) for f in functions],
        "own_nodes_with_statements": lambda: [walks.own_nodes_with_statements(f.body) for f in functions],
        "walk_nodes": lambda: [walks.walk_nodes(f) for f in functions],
        "children_last_first": lambda: [walks.children_last_first(n) for n in nodes],
        "child_nodes": lambda: [walks.child_nodes(n) for n in nodes],
    }


def _same(left: list[Any], right: list[Any]) -> bool:
    """True when two helpers' results hold the very same nodes (pairs compared item by item)."""
    return len(left) == len(right) and all(a == b for a, b in zip(left, right))


def run(names: list[str], rounds: int, against: Path | None) -> None:
    """Time every helper over the named projects, `rounds` times, alternating with `against`'s helpers if given."""
    here = _load(Path(__file__).parents[1] / "review_ls" / "patterns" / "node_walk.py", "node_walk_here")
    trees = {"this tree": here}
    if against is not None:
        trees = {"against": _load(against / "review_ls" / "patterns" / "node_walk.py", "node_walk_against"), **trees}
    functions = _functions(names)
    nodes = [node for function in functions for node in here.walk_nodes(function)]
    print(f"{len(functions)} functions, {len(nodes)} nodes; least CPU of {rounds} rounds, ms")
    cases = {label: _cases(walks, functions, nodes) for label, walks in trees.items()}
    gc.disable()
    totals = dict.fromkeys(trees, 0.0)
    for helper in cases["this tree"]:
        best = dict.fromkeys(trees, float("inf"))
        for _ in range(rounds):
            results = {}
            for label in trees:
                started = time.process_time()
                results[label] = cases[label][helper]()
                best[label] = min(best[label], time.process_time() - started)
            if against is not None and not _same(results["against"], results["this tree"]):
                raise SystemExit(f"{helper}: the two trees' results differ")
        for label in trees:
            totals[label] += best[label]
        print(f"  {helper:28s}" + "".join(f"  {label} {best[label] * 1000:7.1f}" for label in trees) + _change(best))
    print(f"  {'total':28s}" + "".join(f"  {label} {totals[label] * 1000:7.1f}" for label in trees) + _change(totals))
    print("load averages: " + " ".join(f"{load:.2f}" for load in os.getloadavg()))


def _change(best: dict[str, float]) -> str:
    """This tree's CPU against the other's, as a percentage change (empty without `--against`)."""
    return f"  {100 * (best['this tree'] / best['against'] - 1):+6.1f}%" if "against" in best else ""


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(ALL_PROJECTS), help="corpus projects (corpus.toml names)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout whose node_walk.py to time alongside")
    args = parser.parse_args()
    run(args.names, args.rounds, args.against)


if __name__ == "__main__":
    main()
