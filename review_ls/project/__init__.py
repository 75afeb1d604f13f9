"""The project index: cross-file facts (settings, models, route handlers, client classes) for the rules.

`build_index(paths)` indexes a workspace once (the CLI); `ProjectIndex.update_file(path, text)` and
`remove_file(path)` keep it current (the server); `fingerprint` changes when any fact changes.

The index is imported on first use of these names, so that importing one module of the package
(`review_ls.project.dependencies`, say) does not load the whole model: the language server answers
`initialize` before it needs the index (see benchmarks/startup.py).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from review_ls.project.index import ProjectIndex, build_index, project_for

__all__ = ["ProjectIndex", "build_index", "project_for"]


def __getattr__(name: str) -> Any:
    """`ProjectIndex`, `build_index` or `project_for`, imported from `review_ls.project.index` on first use."""
    if name not in __all__:
        raise AttributeError(f"module 'review_ls.project' has no attribute {name!r}")
    from review_ls.project import index

    value = getattr(index, name)
    globals()[name] = value
    return value
