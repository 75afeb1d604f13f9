"""RV203 requests-without-session-in-loop: RV203: `requests.get/post/...` called inside a loop without a Session."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, indented, replace_nodes
from review_ls.engine.facts import import_bindings, resolve_through_imports
from review_ls.engine.model import Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.client_closing import _LOOPS
from review_ls.patterns.names import SCOPE_NODES

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_REQUESTS_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})


class RequestsWithoutSessionInLoop(Rule):
    """RV203: `requests.get/post/...` called inside a loop without a Session."""

    code = "RV203"
    call_names = _REQUESTS_VERBS  # (requests.<verb>: visit_Call returns at once for any other callee)
    name = "requests-without-session-in-loop"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    precision_note = """
        Hint: on the judged corpus sample (docs/precision.md) the loops posted to a different host per
        item (one configured webhook or notification URL each), where a Session gains nothing; those
        loops and polling loops that sleep are no longer reported.
        """
    message = "requests.{verb}() in a loop opens a new connection per call; use one requests.Session()"
    fix_title = "Use one requests.Session() for the loop"
    docs = RuleDocs(
        what="""
            Finds the module-level `requests` functions (`requests.get`, `post`, `request`, ...) called
            inside a loop. Not reported: polling loops that sleep between requests, and fan-outs to
            configured destinations (a loop over a settings/config value, or over webhook,
            notification or callback URLs, calling each one): every item is another host, so a
            Session has no connection to reuse.
            """,
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
        # Polling with a pause between requests: a kept-alive connection gains nothing.
        """
        import time

        import requests

        def wait_for_image(status_url):
            while True:
                time.sleep(2)
                status = requests.get(status_url).json()
                if status["ready"]:
                    return status
        """,
        # One POST per configured webhook or notification URL: another host each time.
        """
        import requests

        from app import settings

        def forward(event):
            for hook in settings.EVENT_WEBHOOKS:
                requests.post(hook, json=event, timeout=5)

        def publish(event, notification_urls):
            for url in notification_urls:
                requests.post(url, json=event, timeout=15)
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
        if verb is None or _sleeps(ctx.loop, ctx.imports):
            return  # polling: with a pause between requests a kept-alive connection gains nothing
        if _calls_each_configured_destination(ctx.loop, node):
            return  # one call per webhook / notification URL: a different host each time
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
            if isinstance(ancestor, SCOPE_NODES):
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


_CONFIG_OBJECTS = frozenset({"settings", "config", "conf", "cfg"})
_DESTINATION_WORDS = ("webhook", "notification", "callback")


def _calls_each_configured_destination(loop: ast.AST, call: ast.Call) -> bool:
    """True for `for hook in settings.WEBHOOKS: requests.post(hook)` / `for url in notification_urls: ...`.

    The URL is the loop's item itself, and the loop walks a settings/config value or a collection named
    for webhook, notification or callback destinations: each item is another host.
    """
    if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
        return False
    url = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "url"), None)
    if not isinstance(url, ast.Name) or url.id != loop.target.id:
        return False
    iterable = loop.iter
    if isinstance(iterable, ast.Attribute):
        owner = iterable.value
        if isinstance(owner, ast.Name) and owner.id.lower() in _CONFIG_OBJECTS:
            return True
        name = iterable.attr
    elif isinstance(iterable, ast.Name):
        name = iterable.id
    else:
        return False
    return any(word in name.lower() for word in _DESTINATION_WORDS)


_SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep"})


def _sleeps(loop: ast.AST, imports: Mapping[str, str]) -> bool:
    """True when the loop pauses between iterations (`time.sleep(2)`): it polls."""
    return any(isinstance(node, ast.Call) and resolve_through_imports(node.func, imports) in _SLEEPS for node in ast.walk(loop))
