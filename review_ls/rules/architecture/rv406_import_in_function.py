"""RV406 import-in-function: RV406: an import inside a loop, or of a heavy module inside a function, without a reason."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes, statement_line_of
from review_ls.engine.facts import BindingKind, dotted_name
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.project_model import Needs
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.imports import heavy_root
from review_ls.project import project_for
from review_ls.rules.architecture._shared import _FUNCTIONS, _index_path

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_EXPLAINING_COMMENT = re.compile(r"circular|cycl|optional|lazy|lazily|defer|import[ -]time|startup|start-up|heavy|slow|expensive|avoid", re.IGNORECASE)


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class ImportInFunction(Rule):
    """RV406: an import inside a loop, or of a heavy module inside a function, without a reason."""

    code = "RV406"
    name = "import-in-function"
    needs = frozenset({Needs.PROJECT_INDEX})
    message = "import of {module} {where}; move it to the top of the module (or say why it is here)"
    fix_title = "Move the import of {module} to the top of the module"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Finds import statements run on every iteration of a loop, and imports of heavy modules
            (numpy, pandas, torch, scipy, scikit-learn, matplotlib, ...) inside a function when the
            project imports that module at the top of some module anyway (so it is a hard
            dependency and the lazy import only moves its cost into the first call). Not reported:
            imports with a comment on or above them that explains them (circular import, optional
            dependency, lazy loading, start-up time), imports in `try: ... except ImportError:`
            and `if TYPE_CHECKING:` blocks, imports under a condition inside a loop, and heavy
            imports that no module of the project makes at its top (optional dependencies).
            """,
        why="""
            An import hidden in a function moves its cost (hundreds of milliseconds for the heavy
            libraries) into the first request that reaches it, where it shows up as a latency
            spike; and it hides a dependency from the reader. In a loop it runs the import machinery
            on every iteration.
            """,
        fix="""
            Import at the top of the module. If the import is deliberately lazy (an optional
            dependency, a circular import, start-up time), say so in a comment on the line above.
            The quick fix moves the import to the module's imports; it is marked unsafe because
            import time and order change.
            """,
    )
    valid = (
        """
        def to_frame(rows):
            # pandas is an optional dependency: only needed for the DataFrame export
            import pandas as pd
            return pd.DataFrame(rows)
        """,
        """
        def plot(values):
            try:
                import matplotlib.pyplot as plt
            except ImportError:
                return None
            return plt.plot(values)
        """,
        """
        from typing import TYPE_CHECKING

        def check(frame):
            if TYPE_CHECKING:
                import pandas
            return frame
        """,
        """
        def load_plugin(name):
            import importlib
            return importlib.import_module(name)
        """,
        """
        def to_figure(points):
            from matplotlib.figure import Figure
            figure = Figure()
            figure.add_subplot().plot(points)
            return figure
        """,
    )
    invalid = (
        Invalid(
            """
            def ones():
                import numpy

                return numpy.ones(2)
            """,
            line=2,
            path="app/b.py",
            message="import of numpy inside ones() is paid by the first call; move it to the top of the module (or say why it is here)",
            files=(("app/a.py", "import numpy as np\n\n\ndef zeros():\n    return np.zeros(3)\n"),),
        ),
        Invalid(
            """
            from numpy.typing import NDArray


            def normalise(values: NDArray) -> NDArray:
                import numpy as np
                return values / np.linalg.norm(values)
            """,
            line=5,
            fixed="""
            import numpy as np
            from numpy.typing import NDArray


            def normalise(values: NDArray) -> NDArray:
                return values / np.linalg.norm(values)
            """,
        ),
        Invalid(
            """
            def parse_all(lines):
                result = []
                for line in lines:
                    from decimal import Decimal
                    result.append(Decimal(line))
                return result
            """,
            line=4,
            fixed="""
            from decimal import Decimal
            def parse_all(lines):
                result = []
                for line in lines:
                    result.append(Decimal(line))
                return result
            """,
        ),
    )

    def visit_Import(self, node: ast.Import | ast.ImportFrom, ctx: Context) -> Iterator[Finding]:
        """Report an import in a loop, or a heavy import in a function, that nothing explains."""
        if ctx.function is None and not ctx.loops:
            return
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or "."]
        if ctx.loops:
            if not isinstance(ctx.parent, (ast.For, ast.AsyncFor, ast.While)):
                return  # a conditional import in a loop body runs rarely
            module, where = modules[0], "inside a loop runs on every iteration"
        else:
            heavy = next((m for m in modules if heavy_root(m)), None)
            if heavy is None or (isinstance(node, ast.ImportFrom) and node.level):
                return
            if not project_for(ctx).imports_heavy_at_top(heavy_root(heavy) or heavy, _index_path(ctx)):
                return  # no module imports it at the top: an optional dependency, imported lazily on purpose
            module, where = heavy, f"inside {getattr(ctx.function, 'name', 'a function')}() is paid by the first call"
        if self._excused(node, ctx):
            return
        yield self.report(node, ctx, module=module, where=where, fixable=self._movable(node, ctx))

    visit_ImportFrom = visit_Import

    @staticmethod
    def _excused(node: ast.stmt, ctx: Context) -> bool:
        for line in (node.lineno, node.lineno - 1):
            text = ctx.lines.line_text(line)
            if "#" in text and _EXPLAINING_COMMENT.search(text[text.index("#") :]):
                return True
        for ancestor in reversed(ctx.parents):
            if isinstance(ancestor, (*_FUNCTIONS, ast.Lambda, ast.ClassDef)):
                break
            if isinstance(ancestor, ast.If) and "TYPE_CHECKING" in (dotted_name(ancestor.test) or ""):
                return True
            if isinstance(ancestor, ast.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
                return True
        return False

    @staticmethod
    def _movable(node: ast.Import | ast.ImportFrom, ctx: Context) -> bool:
        """One name, no star, and the name it binds is not bound differently at module level."""
        if len(node.names) != 1 or node.names[0].name == "*":
            return False
        alias = node.names[0]
        local = alias.asname or alias.name.split(".", 1)[0]
        module_binding = ctx.facts.bindings.get(local)
        return module_binding is None or (module_binding.kind is BindingKind.IMPORT and ctx.facts.imports.get(local) == _import_target(node))

    def fix(self, fctx: FixContext) -> Fix | None:
        """Remove the import from the function and add it to the module's imports."""
        node = fctx.node
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or len(node.names) != 1:
            return None
        alias = node.names[0]
        if isinstance(node, ast.Import):
            fctx.ensure_import(alias.name, None, alias.asname or alias.name)  # `import a.b` must stay `import a.b`
        else:
            module = "." * node.level + (node.module or "")
            fctx.ensure_import(module, alias.name, alias.asname)
        import_cst = fctx.cst_node(node)
        line = statement_line_of(fctx.cst_module, import_cst) if import_cst is not None else None
        if line is None or len(line.body) != 1:
            return None
        siblings = _block_of(fctx.cst_module, line)
        replacement: object = cst.RemovalSentinel.REMOVE if siblings is None or len(siblings) > 1 else cst.SimpleStatementLine(body=[cst.Pass()])
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(line): replacement}).code)
        return fctx.build(fctx.finding.fix_title or "Move the import to the top of the module", self.fix_applicability)


def _import_target(node: ast.Import | ast.ImportFrom) -> str:
    alias = node.names[0]
    if isinstance(node, ast.Import):
        return alias.name if alias.asname else alias.name.split(".", 1)[0]
    module = "." * node.level + (node.module or "")
    return f"{module}.{alias.name}" if module else alias.name


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted_name(c) or "").rsplit(".", 1)[-1] in _IMPORT_ERRORS for c in caught)


def _block_of(module: cst.Module, line: cst.SimpleStatementLine) -> list[cst.BaseStatement] | None:
    """The statements of the indented block that holds `line`."""
    found: list[list[cst.BaseStatement]] = []

    class _Finder(cst.CSTVisitor):
        def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
            if any(statement is line for statement in node.body):
                found.append(list(node.body))
            return True

    module.visit(_Finder())
    return found[0] if found else None
