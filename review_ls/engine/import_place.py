"""Where an added import goes: in its isort section, in order, like isort/ruff `I001` expects.

Sections are future, standard library, third party, first party, local (relative); within one,
`import x` statements come before `from x import y`, each ordered by module, case-insensitively
(isort's and ruff's defaults). Sections are separated by one blank line.
"""

from __future__ import annotations

import ast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.code_style import CodeStyle
from review_ls.engine.positions import statement_start_line


@dataclass(frozen=True)
class ImportSite:
    """One import statement of the module's leading import block."""

    start: int
    end: int
    section: int
    key: tuple[int, str]


@dataclass(frozen=True)
class Placement:
    """Where to insert an import: before line `line`, with separators around the statement."""

    line: int
    before: str
    after: str


def import_key(statement: str) -> tuple[str, tuple[int, str]]:
    """The imported module (dotted, with leading dots for relative imports) and the sort key of one import statement."""
    node = ast.parse(statement.strip()).body[0]
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        return module, (1, module.lower())
    assert isinstance(node, ast.Import)
    module = node.names[0].name
    return module, (0, module.lower())


def import_sites(module: ast.Module, style: CodeStyle) -> list[ImportSite]:
    """The import statements at the top of `module` (after its docstring), up to the first other code."""
    sites: list[ImportSite] = []
    for index, statement in enumerate(module.body):
        if isinstance(statement, ast.Import):
            name = statement.names[0].name
            sites.append(ImportSite(statement_start_line(statement), statement.end_lineno or statement.lineno, style.section(name), (0, name.lower())))
        elif isinstance(statement, ast.ImportFrom):
            name = "." * statement.level + (statement.module or "")
            sites.append(ImportSite(statement.lineno, statement.end_lineno or statement.lineno, style.section(name), (1, name.lower())))
        elif not (index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            break
    return sites


def place_import(statement: str, sites: list[ImportSite], style: CodeStyle, newline: str) -> Placement | None:
    """Where `statement` goes among `sites` (None when the module has no leading imports)."""
    if not sites:
        return None
    module, key = import_key(statement)
    section = style.section(module)
    same = [site for site in sites if site.section == section]
    if same:
        later = next((site for site in same if site.key > key), None)
        if later is not None:
            return Placement(later.start, "", "")
        return Placement(same[-1].end + 1, "", "")
    following = next((site for site in sites if site.section > section), None)
    if following is not None:
        return Placement(following.start, "", newline)
    return Placement(sites[-1].end + 1, newline, "")
