"""The project index: cross-file facts (settings, models, route handlers, client classes) for the rules.

`build_index(paths)` indexes a workspace once (the CLI); `ProjectIndex.update_file(path, text)` and
`remove_file(path)` keep it current (the server); `fingerprint` changes when any fact changes.
"""

from review_ls.project.index import ProjectIndex, build_index, project_for

__all__ = ["ProjectIndex", "build_index", "project_for"]
