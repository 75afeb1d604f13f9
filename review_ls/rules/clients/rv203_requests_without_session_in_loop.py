"""RV203 requests-without-session-in-loop: RV203: `requests.get/post/...` called inside a loop without a Session."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence

from review_ls.engine.cst_edit import cst, indented, replace_nodes
from review_ls.engine.facts import import_bindings, resolve_through_imports
from review_ls.engine.fixes import FixContext
from review_ls.engine.model import Finding, Fix
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.client_closing import _LOOPS, _SCOPES


_REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


class RequestsWithoutSessionInLoop(Rule):
    """RV203: `requests.get/post/...` called inside a loop without a Session."""

    code = "RV203"
    name = "requests-without-session-in-loop"
    message = "requests.{verb}() in a loop opens a new connection per call; use one requests.Session()"
    fix_title = "Use one requests.Session() for the loop"
    docs = RuleDocs(
        what="Finds the module-level `requests` functions (`requests.get`, `post`, `request`, ...) called inside a loop.",
        why="""
            Each module-level call builds a throw-away Session: no connection reuse, a new TCP and
            TLS handshake per item. A Session keeps connections to the same host alive, which is
            usually several times faster for a loop of calls and kinder to the server.
            """,
        fix="""
            Open one `requests.Session()` around the loop and call its methods. The quick fix wraps
            the loop in `with requests.Session() as session:` and rewrites every `requests.<verb>(`
            call in the loop to `session.<verb>(`.
            """,
    )
    valid = (
        """
        import requests

        def fetch(url):
            return requests.get(url).json()
        """,
        """
        import requests

        def fetch_all(urls):
            with requests.Session() as session:
                return [session.get(url).json() for url in urls]
        """,
    )
    invalid = (
        Invalid(
            """
            import requests

            def fetch_all(urls):
                results = []
                for url in urls:
                    results.append(requests.get(url, timeout=5).json())
                return results
            """,
            line=6,
            fixed="""
            import requests

            def fetch_all(urls):
                results = []
                with requests.Session() as session:
                    for url in urls:
                        results.append(session.get(url, timeout=5).json())
                return results
            """,
        ),
        Invalid(
            """
            from requests import post

            def notify(hooks, payload):
                for hook in hooks:
                    post(hook, json=payload)
            """,
            line=5,
            fixed="""
            import requests
            from requests import post

            def notify(hooks, payload):
                with requests.Session() as session:
                    for hook in hooks:
                        session.post(hook, json=payload)
            """,
        ),
        Invalid(
            """
            import requests

            def fetch_all(urls):
                return [requests.get(url) for url in urls]
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `requests.<verb>(...)` calls inside a loop."""
        if ctx.loop is None:
            return
        verb = self._verb(node, ctx.imports)
        if verb is None:
            return
        fixable = isinstance(ctx.loop, _LOOPS) and self._outermost_statement_loop(ctx.parents) is not None
        yield self.report(node, ctx, verb=verb, fixable=fixable)

    @staticmethod
    def _verb(node: ast.Call, imports: Mapping[str, str]) -> str | None:
        """The `requests` function a call makes ('get', 'post', ...), resolved through `imports`."""
        qualified = resolve_through_imports(node.func, imports)
        if qualified is None:
            return None
        verb = qualified.removeprefix("requests.")
        return verb if qualified.startswith("requests.") and verb in _REQUESTS_VERBS else None

    @staticmethod
    def _outermost_statement_loop(ancestors: Sequence[ast.AST]) -> ast.stmt | None:
        """The outermost statement loop around the call within its function."""
        found = None
        for ancestor in reversed(ancestors):
            if isinstance(ancestor, _SCOPES):
                break
            if isinstance(ancestor, _LOOPS):
                found = ancestor
        return found

    def fix(self, fctx: FixContext) -> Fix | None:
        """Wrap the loop in `with requests.Session() as session:` and call through the session."""
        loop = self._outermost_statement_loop(fctx.ancestors)
        if loop is None:
            return None
        loop_cst = fctx.cst_node(loop)
        if loop_cst is None:
            return None
        module_name = fctx.ensure_import("requests")
        session = "session"
        taken = {n.id for n in ast.walk(loop) if isinstance(n, ast.Name)}
        function = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if function is not None:
            taken |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)} | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
        counter = 2
        while session in taken:
            session, counter = f"session_{counter}", counter + 1
        imports = dict(fctx.facts.imports)
        for statement in ast.walk(fctx.statement):  # imports of the enclosing functions, as the check saw them
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                imports.update(import_bindings(statement))
        replacements: dict[int, object] = {}
        for node in ast.walk(loop):
            verb = self._verb(node, imports) if isinstance(node, ast.Call) else None
            if verb is not None:
                call_cst = fctx.cst_node(node)
                if call_cst is not None:
                    replacements[id(call_cst.func)] = cst.Attribute(value=cst.Name(session), attr=cst.Name(verb))

        def wrap(updated_loop: cst.BaseStatement) -> cst.With:
            return cst.With(
                items=[cst.WithItem(item=cst.parse_expression(f"{module_name}.Session()"), asname=cst.AsName(name=cst.Name(session)))],
                body=indented([updated_loop.with_changes(leading_lines=[])]),
                leading_lines=loop_cst.leading_lines,
            )

        replacements[id(loop_cst)] = wrap
        fctx.replace_scope(replace_nodes(fctx.cst_module, replacements).code)
        return fctx.build(self.fix_title or "")
