"""Imports: which top-level packages a module imports; which are heavy to import (hundreds of ms, large memory)."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from review_ls.engine.facts import ModuleFacts

HEAVY_MODULES = frozenset(
    {
        "numpy", "pandas", "torch", "tensorflow", "scipy", "sklearn", "matplotlib", "cv2", "transformers", "polars",
        "jax", "keras", "sympy", "dask", "pyarrow", "plotly", "seaborn", "statsmodels", "xgboost", "lightgbm", "spacy",
        "nltk", "numba", "open3d", "trimesh", "vtk", "torchvision", "onnxruntime", "skimage", "networkx",
    }
)


def imported_roots(facts: ModuleFacts) -> frozenset[str]:
    """The top-level packages the module imports ('os' for `from os.path import join`), computed once per module."""
    roots: frozenset[str] | None = facts.derived.get("imported_roots")
    if roots is None:
        roots = facts.derived["imported_roots"] = frozenset(target.split(".", 1)[0] for target in facts.imports.values())
    return roots


def imports_starting_with(facts: ModuleFacts, prefix: str) -> bool:
    """True when some import's target starts with `prefix` ('aiohttp' matches 'aiohttp.web'), computed once per module."""
    key = ("imports_starting_with", prefix)
    found: bool | None = facts.derived.get(key)
    if found is None:
        found = facts.derived[key] = any(target.startswith(prefix) for target in facts.imports.values())
    return found


def first_import_of(facts: ModuleFacts, targets: frozenset[str]) -> str | None:
    """The local name of the first import whose target is one of `targets`, computed once per module."""
    key = ("first_import_of", targets)
    if key not in facts.derived:
        facts.derived[key] = next((local for local, target in facts.imports.items() if target in targets), None)
    first: str | None = facts.derived[key]
    return first


def heavy_root(module: str) -> str | None:
    """The heavy top-level package `module` belongs to ('numpy' for 'numpy.linalg'), else None."""
    root = module.split(".", 1)[0]
    return root if root in HEAVY_MODULES else None


def unconditional_heavy_imports(body: Iterable[ast.stmt]) -> frozenset[str]:
    """Heavy packages imported by plain module-level import statements (not inside `try`/`if`)."""
    found: set[str] = set()
    for statement in body:
        if isinstance(statement, ast.Import):
            found.update(root for alias in statement.names if (root := heavy_root(alias.name)))
        elif isinstance(statement, ast.ImportFrom) and not statement.level and statement.module:
            root = heavy_root(statement.module)
            if root:
                found.add(root)
    return frozenset(found)
