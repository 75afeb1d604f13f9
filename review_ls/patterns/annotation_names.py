"""The last names an annotation mentions (`Annotated[fastapi.UploadFile, File()]` -> {'Annotated', 'UploadFile', 'File'}).

Several source and input patterns ask this of the same parameters, for every function a rule visits
(RV601, RV602, RV603): the answer is kept per annotation node for the last few hundred asked.
"""

from __future__ import annotations

import ast
import functools

from review_ls.engine.facts import dotted_name
from review_ls.patterns.node_walk import walk_nodes


@functools.lru_cache(maxsize=1024)
def annotation_names(annotation: ast.expr) -> frozenset[str]:
    """The last part of every name and attribute chain in `annotation` ('' for a chain that is not a dotted name)."""
    return frozenset((dotted_name(n) or "").rsplit(".", 1)[-1] for n in walk_nodes(annotation) if isinstance(n, (ast.Name, ast.Attribute)))
