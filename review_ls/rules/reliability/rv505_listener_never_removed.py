"""RV505 listener-never-removed: RV505: listeners added to a collection in a subscribe-like method and never removed."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Applicability, Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.attributes import AttributeCall, AttributeUses, Method, instance_attribute_uses
from review_ls.patterns.exceptions import caught_names
from review_ls.patterns.names import name_words, snake_case
from review_ls.rules.reliability._shared import _function_nodes

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_SUBSCRIBE_METHOD = re.compile(
    r"^_*(subscribe|listen|attach|watch|connect|register|on|join|follow"
    r"|add_?(listener|callback|observer|subscriber|handler|hook|watcher|consumer|client|connection|socket|queue|sink|waiter))"
    r"(_|$)"
)


_UNSUBSCRIBE_METHOD = re.compile(
    r"^_*(unsubscribe|unlisten|detach|unwatch|disconnect|unregister|off|leave|unfollow|close|remove|discard|prune|clear|reset|cleanup)"
    r"(_|$)"
)


_LISTENER_WORDS = frozenset(
    {
        "listener", "listeners", "subscriber", "subscribers", "subscription", "subscriptions", "callback",
        "callbacks", "observer", "observers", "watcher", "watchers", "queue", "queues", "waiter", "waiters",
        "consumer", "consumers", "client", "clients", "connection", "connections", "socket", "sockets",
        "websocket", "websockets", "sink", "sinks", "hook", "hooks", "handlers", "peers", "subs", "channels",
    }
)


_ADDING_METHODS = frozenset({"append", "add", "appendleft", "insert"})


_REMOVING_METHODS = frozenset({"remove", "discard", "pop", "popitem", "popleft", "clear", "difference_update"})


_WEAK_CONTAINERS = ("WeakSet", "WeakValueDictionary", "WeakKeyDictionary", "WeakMethod", "ref")


_QUEUE_FULL = frozenset({"QueueFull", "Full", "Exception", "BaseException"})


def _container_kind(value: ast.expr | None) -> str | None:
    """'list', 'set' or 'dict' for an empty-container initialiser; None for anything else (weak sets too)."""
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Set):
        return "set"
    if isinstance(value, ast.Dict):
        return "dict"
    if isinstance(value, ast.Call):
        callee = (dotted_name(value.func) or "").rsplit(".", 1)[-1]
        if callee.endswith(_WEAK_CONTAINERS):
            return None
        return {"list": "list", "set": "set", "dict": "dict", "defaultdict": "dict", "deque": "list", "OrderedDict": "dict"}.get(callee)
    return None


def _queue_names(method: Method) -> set[str]:
    """Local names a method binds to a newly created queue (`q = asyncio.Queue()`)."""
    names: set[str] = set()
    for node in _function_nodes(method):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if (dotted_name(node.value.func) or "").endswith("Queue"):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _guarded_by_queue_full(call: ast.Call, loop: ast.AST) -> bool:
    """True when `call` sits in a `try` (inside `loop`) with a handler for QueueFull/Full/Exception."""
    stack: list[tuple[ast.AST, bool]] = [(loop, False)]
    while stack:
        node, guarded = stack.pop()
        if node is call:
            return guarded
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            catches = any(
                handler.type is None or any(name.rsplit(".", 1)[-1] in _QUEUE_FULL for name in caught_names(handler))
                for handler in node.handlers  # type: ignore[attr-defined]
            )
            for child in node.body:  # type: ignore[attr-defined]
                stack.append((child, guarded or catches))
            for child in [*node.handlers, *node.orelse, *node.finalbody]:  # type: ignore[attr-defined]
                stack.append((child, guarded))
            continue
        stack.extend((child, guarded) for child in ast.iter_child_nodes(node))
    return False


class ListenerNeverRemoved(Rule):
    """RV505: listeners added to a collection in a subscribe-like method and never removed."""

    code = "RV505"
    name = "listener-never-removed"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: the only corpus finding (docs/precision.md) removed its handlers at stop in another
        method; the rule does not follow listeners across methods.
        """
    message = "{detail}"
    fix_title = "Drop listeners whose queue is full instead of failing the broadcast"
    fix_applicability = Applicability.UNSAFE
    docs = RuleDocs(
        what="""
            Looks at a whole class: a method named like `subscribe`/`connect`/`add_listener` adds a
            queue or callback to an instance collection (`self.listeners.append(q)`), and no method of
            the class ever removes from it (no `remove`/`discard`/`pop`/`del`, no reassignment, no
            `unsubscribe`/`disconnect` method). Also reports the emit loop that calls `put_nowait()` on
            every listener queue without catching `QueueFull`. Weak collections are not reported.
            """,
        why="""
            Every subscriber that goes away (a closed WebSocket, a finished request) stays in the
            collection forever: memory grows with every connection, each broadcast does work for
            dead listeners, and once a dead listener's bounded queue fills up, `put_nowait()` raises
            `QueueFull` in the middle of the loop, so the live listeners after it miss the event.
            """,
        fix="""
            Give the class an `unsubscribe()` (called from a `finally:` in the subscriber) and prune
            listeners that cannot keep up. The quick fix, offered on the emit loop, iterates over a
            copy and catches `QueueFull` around `put_nowait()`, removing that listener.
            """,
    )
    valid = (
        """
        import asyncio

        class Hub:
            def __init__(self):
                self.listeners = []

            def subscribe(self):
                queue = asyncio.Queue(maxsize=100)
                self.listeners.append(queue)
                return queue

            def unsubscribe(self, queue):
                self.listeners.remove(queue)
        """,
        """
        import asyncio

        class Hub:
            def __init__(self):
                self.listeners = set()

            def subscribe(self):
                queue = asyncio.Queue(maxsize=100)
                self.listeners.add(queue)
                return queue

            def publish(self, event):
                for queue in list(self.listeners):
                    try:
                        queue.put_nowait(event)
                    except asyncio.QueueFull:
                        self.listeners.discard(queue)
        """,
        """
        import weakref

        class Signal:
            def __init__(self):
                self.receivers = weakref.WeakSet()

            def connect(self, receiver):
                self.receivers.add(receiver)
        """,
        """
        class Plugins:
            def __init__(self):
                self.plugins = []

            def register(self, plugin):
                self.plugins.append(plugin)
        """,
    )
    invalid = (
        Invalid(
            """
            class ConnectionManager:
                def __init__(self):
                    self.active_connections = []

                async def connect(self, websocket):
                    await websocket.accept()
                    self.active_connections.append(websocket)

                async def broadcast(self, message):
                    for connection in self.active_connections:
                        await connection.send_text(message)
            """,
            line=7,
        ),
        Invalid(
            """
            import asyncio

            class EventBus:
                def __init__(self):
                    self._subscribers = []

                def subscribe(self):
                    queue = asyncio.Queue(maxsize=100)
                    self._subscribers.append(queue)
                    return queue

                def emit(self, event):
                    for queue in self._subscribers:
                        queue.put_nowait(event)
            """,
            line=14,
            also=(9,),
            fixed="""
            import asyncio

            class EventBus:
                def __init__(self):
                    self._subscribers = []

                def subscribe(self):
                    queue = asyncio.Queue(maxsize=100)
                    self._subscribers.append(queue)
                    return queue

                def emit(self, event):
                    for queue in list(self._subscribers):
                        try:
                            queue.put_nowait(event)
                        except asyncio.QueueFull:
                            self._subscribers.remove(queue)
            """,
        ),
        Invalid(
            """
            from collections import defaultdict

            class Topics:
                def __init__(self):
                    self.callbacks = defaultdict(list)

                def on(self, topic, callback):
                    self.callbacks[topic].append(callback)

                def fire(self, topic, payload):
                    for callback in self.callbacks[topic]:
                        callback(payload)
            """,
            line=8,
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef, ctx: Context) -> Iterator[Finding]:
        """Decide once per class: collections that subscribe-like methods grow and nothing shrinks."""
        names = [snake_case(m.name) for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not any(_SUBSCRIBE_METHOD.match(name) for name in names) or any(_UNSUBSCRIBE_METHOD.match(name) for name in names):
            return
        for uses in instance_attribute_uses(node).values():
            kind = self._listener_collection_kind(uses)
            if kind is None or self._ever_shrinks(uses):
                continue
            added = [c for c in uses.calls_named(_ADDING_METHODS) if _SUBSCRIBE_METHOD.match(snake_case(c.method.name)) and c.method.name != "__init__"]
            added = [c for c in added if self._adds_a_listener(c, uses)]
            if not added:
                continue
            first = added[0]
            detail = (
                f"{node.name}.{first.method.name}() adds to self.{uses.name} but nothing in {node.name} ever removes "
                "from it: every departed listener stays referenced"
            )
            yield self._report_at(first.call, first.statement, ctx, detail, fixable=False)
            yield from self._unguarded_emits(uses, kind, ctx)

    @staticmethod
    def _listener_collection_kind(uses: AttributeUses) -> str | None:
        kinds = {_container_kind(a.value) for a in uses.assignments if a.method.name == "__init__"}
        if len(kinds) != 1 or None in kinds:
            return None
        return kinds.pop()

    @staticmethod
    def _ever_shrinks(uses: AttributeUses) -> bool:
        outside_init = [a for a in uses.assignments if a.method.name != "__init__"]
        return bool(outside_init or uses.augmented or uses.deletions or uses.slice_writes or uses.calls_named(_REMOVING_METHODS))

    @staticmethod
    def _adds_a_listener(call: AttributeCall, uses: AttributeUses) -> bool:
        if name_words(uses.name) & _LISTENER_WORDS:
            return True
        added = call.call.args[0] if call.call.args else None
        return isinstance(added, ast.Name) and added.id in _queue_names(call.method)

    def _unguarded_emits(self, uses: AttributeUses, kind: str, ctx: Context) -> Iterator[Finding]:
        """Emit loops over the collection that `put_nowait()` to each listener without catching QueueFull."""
        for loop in uses.loops:
            target = loop.loop.target
            if not isinstance(target, ast.Name):
                continue
            for statement in loop.loop.body:
                for inner in ast.walk(statement):
                    if (
                        isinstance(inner, ast.Call)
                        and isinstance(inner.func, ast.Attribute)
                        and inner.func.attr == "put_nowait"
                        and isinstance(inner.func.value, ast.Name)
                        and inner.func.value.id == target.id
                        and not _guarded_by_queue_full(inner, loop.loop)
                    ):
                        fixable = loop.direct and kind in ("list", "set") and isinstance(statement, ast.Expr) and statement.value is inner
                        detail = (
                            f"put_nowait() to every listener of self.{uses.name} raises QueueFull once a departed "
                            "listener's queue fills up, and the listeners after it miss the event"
                        )
                        yield self._report_at(inner, statement, ctx, detail, fixable=fixable)

    def _report_at(self, node: ast.AST, statement: ast.stmt, ctx: Context, detail: str, fixable: bool) -> Finding:
        finding = self.report(node, ctx, detail=detail, fixable=fixable)
        return replace(finding, statement_line=statement.lineno)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Iterate over a copy and drop the listener whose queue is full."""
        call = fctx.node
        loop = next((a for a in reversed(fctx.ancestors) if isinstance(a, (ast.For, ast.AsyncFor))), None)
        cls = next((a for a in reversed(fctx.ancestors) if isinstance(a, ast.ClassDef)), None)
        if loop is None or not isinstance(call, ast.Call) or not isinstance(loop.target, ast.Name):
            return None
        attribute = loop.iter
        if not isinstance(attribute, ast.Attribute):
            return None
        kind = "list"
        if cls is not None:
            uses = instance_attribute_uses(cls).get(attribute.attr)
            kind = (self._listener_collection_kind(uses) if uses else None) or "list"
        full = self._queue_full_name(fctx)
        loop_cst, call_cst = fctx.cst_node(loop), fctx.cst_node(call)
        if full is None or loop_cst is None or call_cst is None:
            return None
        statement = next((s for s in loop_cst.body.body if isinstance(s, cst.SimpleStatementLine) and any(getattr(b, "value", None) is call_cst for b in s.body)), None)
        if statement is None:
            return None
        collection = fctx.cst_module.code_for_node(loop_cst.iter)
        remove = "discard" if kind == "set" else "remove"
        guarded = cst.parse_statement(
            f"try:\n    {fctx.cst_module.code_for_node(statement).strip()}\nexcept {full}:\n    {collection}.{remove}({loop.target.id})\n"
        )
        guarded = guarded.with_changes(leading_lines=statement.leading_lines)
        new_iter = cst.parse_expression(f"list({collection})")
        new_body = [guarded if s is statement else s for s in loop_cst.body.body]
        new_loop = loop_cst.with_changes(iter=new_iter, body=loop_cst.body.with_changes(body=new_body))
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(loop_cst): new_loop}).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)

    @staticmethod
    def _queue_full_name(fctx: FixContext) -> str | None:
        asyncio_name = fctx.facts.local_name_for("asyncio")
        if asyncio_name is not None:
            return f"{asyncio_name}.QueueFull"
        queue_name = fctx.facts.local_name_for("queue")
        return f"{queue_name}.Full" if queue_name is not None else None
