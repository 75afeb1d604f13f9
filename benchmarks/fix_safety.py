"""Fix safety on real application code: `review-ls check --fix --unsafe-fixes`, then audit the result.

For each project of `benchmarks/corpus.toml` (materialised with `benchmarks/corpus.py`), a scratch
copy is fixed with every rule and fix enabled, then checked:

- every changed file compiles;
- a second `--fix --unsafe-fixes` run changes nothing;
- pyflakes reports no new undefined names and no new redefinitions (needs `pip install pyflakes`);
- no new import cycle between the project's modules (module-level imports, not TYPE_CHECKING,
  not a module's import of its own parent package);
- doctests of changed modules that import without the project's dependencies give the same results.

Prints one line per project and the totals; exits 1 when any count of failures is not 0.

    python benchmarks/corpus.py && PYTHONPATH=. python benchmarks/fix_safety.py [NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import ast
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus import Project, load_manifest  # noqa: E402 - a sibling script, not a package

# pyflakes messages that mean a fix broke name binding.
_NAME_MESSAGES = ("UndefinedName", "UndefinedLocal", "UndefinedExport", "RedefinedWhileUnused", "ImportShadowedByLoopVar")


@dataclass
class Audit:
    """What the audit of one project found."""

    name: str
    files: int = 0
    changed: list[str] = field(default_factory=list)
    compile_failures: list[str] = field(default_factory=list)
    second_run_changes: list[str] = field(default_factory=list)
    new_name_issues: list[str] = field(default_factory=list)
    new_cycles: list[str] = field(default_factory=list)
    behaviour_changes: list[str] = field(default_factory=list)
    doctest_modules: int = 0
    seconds: float = 0.0

    @property
    def failures(self) -> int:
        """The number of failed checks."""
        return sum(
            len(x)
            for x in (self.compile_failures, self.second_run_changes, self.new_name_issues, self.new_cycles, self.behaviour_changes)
        )


def python_files(root: Path) -> list[Path]:
    """The Python files under `root`, sorted."""
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def snapshot(root: Path) -> dict[str, bytes]:
    """The bytes of every Python file under `root`, by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in python_files(root)}


def run_fix(root: Path, package: Path) -> None:
    """Run `review-ls check --fix --unsafe-fixes` on `package` with the project's configuration."""
    command = [sys.executable, "-m", "review_ls", "check", "--fix", "--unsafe-fixes", "--no-cache", "--select", "RV", str(package)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, env=os.environ.copy())
    if done.returncode not in (0, 1):
        raise RuntimeError(f"review-ls failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def name_issues(path: Path) -> collections.Counter[str]:
    """pyflakes' undefined-name and redefinition messages of one file (without line numbers)."""
    from pyflakes import checker

    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, str(path))
    except SyntaxError:
        return collections.Counter()
    result = checker.Checker(tree, filename=str(path))
    return collections.Counter(
        f"{type(m).__name__}: {m.message % m.message_args}" for m in result.messages if type(m).__name__ in _NAME_MESSAGES
    )


def module_name(root: Path, path: Path) -> str:
    """The dotted module name of `path` relative to the import root `root`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_edges(root: Path, package: Path) -> set[tuple[str, str]]:
    """Edges `a -> b` for module-level imports between modules of the package (TYPE_CHECKING blocks excluded).

    An import of a package that holds `a` (`from app import config` in `app.db.core`) is no edge to
    that package: Python runs a package's `__init__` before any module inside it, so the import
    starts nothing there (its submodule `app.config` is still an edge). Counting it linked every
    module to a top-level `__init__` that imports the models, which made every new import look
    like a new cycle.
    """
    modules = {module_name(root, p): p for p in python_files(package)}
    edges: set[tuple[str, str]] = set()
    for name, path in modules.items():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        is_package = path.name == "__init__.py"
        for node in _module_level_imports(tree.body):
            for target in _targets(node, name, is_package):
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    edges.add((name, target))
    return edges


def _module_level_imports(body: Iterable[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _module_level_imports(node.body)


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        parts = importer.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([base] if base else []))
    for alias in node.names:
        yield f"{base}.{alias.name}"  # `from pkg import module` imports the module; else trimmed to pkg
        yield base


def cyclic_edges(edges: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges that lie on a cycle (both ends in one strongly connected component)."""
    graph: dict[str, list[str]] = collections.defaultdict(list)
    for a, b in edges:
        graph[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    component: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = [0, 0]

    def strongconnect(start: str) -> None:
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = counter[1]
                    if member == node:
                        break
                counter[1] += 1

    for node in list(graph):
        if node not in index:
            strongconnect(node)
    return {(a, b) for a, b in edges if component.get(a) == component.get(b) is not None}


def doctest_results(path: Path) -> list[str] | None:
    """The outcome of every doctest example of the module at `path` run in isolation (None: no
    doctests, or the module does not import without the project's dependencies)."""
    source = path.read_text(encoding="utf-8", errors="replace")
    if ">>>" not in source:
        return None
    script = (
        "import doctest, importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('m', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(m)\n"
        "finder = doctest.DocTestFinder()\n"
        "runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)\n"
        "for test in sorted(finder.find(m), key=lambda t: t.name):\n"
        "    r = runner.run(test, out=lambda s: None)\n"
        "    print(test.name, r.failed, r.attempted)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60, cwd=path.parent)
    if done.returncode != 0:
        return None
    return done.stdout.splitlines()


def audit(project: Project, keep: Path | None) -> Audit:
    """Fix a scratch copy of `project` twice and audit the result."""
    import time

    result = Audit(project.name)
    scratch = Path(tempfile.mkdtemp(prefix=f"fix-safety-{project.name}-"))
    try:
        root = scratch / project.name
        shutil.copytree(project.root, root)
        package = root / project.subdir
        import_root = package.parent
        before = snapshot(package)
        result.files = len(before)
        flakes_before = {name: name_issues(package / name) for name in before}
        cycles_before = cyclic_edges(import_edges(import_root, package))
        doctests_before = {name: doctest_results(package / name) for name in before if b">>>" in before[name]}
        started = time.perf_counter()
        run_fix(root, package)
        result.seconds = time.perf_counter() - started
        after = snapshot(package)
        result.changed = sorted(name for name in after if after[name] != before.get(name))
        for name in result.changed:
            path = package / name
            try:
                compile(after[name], str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as exc:
                result.compile_failures.append(f"{name}: {exc}")
            new = name_issues(path) - flakes_before.get(name, collections.Counter())
            result.new_name_issues.extend(f"{name}: {issue}" for issue in new)
            if name in doctests_before and doctests_before[name] is not None:
                result.doctest_modules += 1
                if doctest_results(path) != doctests_before[name]:
                    result.behaviour_changes.append(f"{name}: doctest results differ")
        cycles_after = cyclic_edges(import_edges(import_root, package))
        result.new_cycles = sorted(f"{a} -> {b}" for a, b in cycles_after - cycles_before)
        run_fix(root, package)
        again = snapshot(package)
        result.second_run_changes = sorted(name for name in again if again[name] != after.get(name))
        if keep is not None:
            shutil.copytree(root, keep / project.name, dirs_exist_ok=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    """Audit the named projects (all by default), print the counts, exit 1 on any failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--keep", type=Path, help="copy the fixed trees here for inspection")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every failure")
    args = parser.parse_args(argv)
    projects = [p for p in load_manifest() if not args.names or p.name in args.names]
    missing = [p.name for p in projects if not p.package.is_dir()]
    if missing:
        print(f"fix_safety: run benchmarks/corpus.py first (missing: {', '.join(missing)})", file=sys.stderr)
        return 2
    header = f"{'project':<10} {'files':>6} {'changed':>7} {'compile':>7} {'2nd run':>7} {'pyflakes':>8} {'cycles':>6} {'doctest':>7} {'seconds':>7}"
    print(header)
    totals = Audit("total")
    for project in projects:
        audit_result = audit(project, args.keep)
        print(
            f"{audit_result.name:<10} {audit_result.files:>6} {len(audit_result.changed):>7} {len(audit_result.compile_failures):>7} "
            f"{len(audit_result.second_run_changes):>7} {len(audit_result.new_name_issues):>8} {len(audit_result.new_cycles):>6} "
            f"{len(audit_result.behaviour_changes):>3}/{audit_result.doctest_modules:<3} {audit_result.seconds:>7.1f}",
            flush=True,
        )
        if args.verbose:
            for failure in (
                audit_result.compile_failures
                + [f"second run changes {n}" for n in audit_result.second_run_changes]
                + audit_result.new_name_issues
                + [f"new cycle edge {c}" for c in audit_result.new_cycles]
                + audit_result.behaviour_changes
            ):
                print(f"    {failure}")
        totals.files += audit_result.files
        totals.changed += audit_result.changed
        for name in ("compile_failures", "second_run_changes", "new_name_issues", "new_cycles", "behaviour_changes"):
            getattr(totals, name).extend(getattr(audit_result, name))
        totals.doctest_modules += audit_result.doctest_modules
        totals.seconds += audit_result.seconds
    print(
        f"{'total':<10} {totals.files:>6} {len(totals.changed):>7} {len(totals.compile_failures):>7} {len(totals.second_run_changes):>7} "
        f"{len(totals.new_name_issues):>8} {len(totals.new_cycles):>6} {len(totals.behaviour_changes):>3}/{totals.doctest_modules:<3} {totals.seconds:>7.1f}"
    )
    return 1 if totals.failures else 0


if __name__ == "__main__":
    sys.exit(main())
