"""Whether the awaits of a loop are independent of each other: no shared session, no meaningful order."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence

from review_ls.engine.facts import dotted_name
from review_ls.engine.walker import Context
from review_ls.patterns.names import names_bound, names_read
from review_ls.patterns.scripts import in_script_code

# Calls that must stay in order or share one connection/stream: never rewritten to run concurrently.
_ORDERED_CALL = re.compile(
    r"^(send\w*|write\w*|put\w*|publish\w*|emit\w*|execute\w*|commit|flush|drain|sleep|acquire|release|wait\w*|join|"
    r"recv\w*|receive\w*|read\w*|close|aclose|feed\w*|push\w*|sendall)$"
)
_LIFECYCLE_CALL = re.compile(r"^(start|close|aclose|stop|shutdown|cleanup|terminate|disconnect|cancel|wait_closed|release|kill|join|finalize|teardown|unsubscribe)$")
# Collections of callbacks run in order by design (tracing signals, hooks, middleware, migrations).
_CALLBACK_COLLECTION = re.compile(r"(trace|callback|handler|hook|listener|signal|middleware|plugin|observer|receiver|step|stage|migration|fixture)s?$", re.IGNORECASE)
_SHARED_RECEIVER = re.compile(r"(session|conn|connection|cursor|db|tx|transaction|stream|writer|reader|queue|ws|websocket|socket|sock|channel|lock|pipe|proc|file|fh)$", re.IGNORECASE)
# Objects whose calls share one connection, transaction, browser page or lock: their calls stay in order.
_SESSION_LIKE = re.compile(
    r"(session|sess|conn|connection|cursor|db|tx|transaction|page|browser|driver|lock|keyboard|mouse|touchscreen|"
    r"repository|objects)$",
    re.IGNORECASE,
)
# Collections whose order is the point: a path walked, keys pressed, steps applied.
_ORDERED_COLLECTION = re.compile(
    r"(path|point|step|move|waypoint|stroke|segment|keystroke|modifier|action|command|instruction|frame|layer|hop)s?"
    r"(_to_\w+)?$",
    re.IGNORECASE,
)
_ORDERING_CALLS = frozenset({"reversed", "sorted"})
# UI input sent one event at a time: key presses, mouse moves and clicks.
_UI_INPUT = re.compile(r"^(key_?(down|up|press)|mouse_?(down|up|move)|move_?to|click|press|type|scroll|drag\w*)$", re.IGNORECASE)
_ORDER_COMMENT = re.compile(
    r"\b(order(ed|ing)?|sequential(ly)?|one at a time|in turn|serial(ly|ised|ized)?|reverse|sequence|rate[- ]?limit\w*|"
    r"one by one|after each other|must not overlap)\b",
    re.IGNORECASE,
)


def shares_context(call: ast.Call, item_names: set[str]) -> bool:
    """True when the call goes through, or is given, a session/connection/page/lock shared by every iteration."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    shared_receiver = receiver is not None and not (names_read(receiver) & item_names)
    if shared_receiver and any(_SESSION_LIKE.search(part) for part in ((dotted_name(receiver) if receiver is not None else None) or "").split(".")):
        return True
    method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
    if _UI_INPUT.match(method):
        return True
    for argument in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str) and _UI_INPUT.match(argument.value):
            return True
        if names_read(argument) & item_names:
            continue
        name = (dotted_name(argument) or "").rsplit(".", 1)[-1]
        if name and _SESSION_LIKE.search(name):
            return True
    return False


def carries_order(iterable: ast.expr, collection: str) -> bool:
    """True when the loop's order means something: `reversed(...)`, `sorted(...)`, or a path/steps/moves collection."""
    if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _ORDERING_CALLS for n in ast.walk(iterable)):
        return True
    return bool(collection) and _ORDERED_COLLECTION.search(collection) is not None


def states_order(lines: Sequence[str]) -> bool:
    """True when a comment among `lines` (the loop and the line above it) talks about order."""
    for text in lines:
        _, hash_sign, comment = text.partition("#")
        if hash_sign and _ORDER_COMMENT.search(comment):
            return True
    return False


def depends_on_results(call: ast.Call, results: str | None) -> bool:
    """True when each call reads what the previous iterations produced (`acc.append(await f(x, acc))`)."""
    if results is None:
        return False
    head = results.split(".", 1)[0]
    return head in names_read(call)


def fan_out_shape(loop: ast.For) -> tuple[ast.Call, str | None] | None:
    """(the awaited call, the list it is appended to or None) when the loop body is one such statement."""
    statement = loop.body[0]
    if not isinstance(statement, ast.Expr):
        return None
    value = statement.value
    if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
        return value.value, None
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "append"
        and len(value.args) == 1
        and not value.keywords
        and isinstance(value.args[0], ast.Await)
        and isinstance(value.args[0].value, ast.Call)
    ):
        target = dotted_name(value.func.value)
        if target is not None and not (names_read(value.func.value) & names_bound(loop.target)):
            return value.args[0].value, target
    return None


def independent_per_item(call: ast.Call, loop: ast.For) -> bool:
    """True when each iteration's call is made on or for its own item, not through a shared stream."""
    item_names = names_bound(loop.target)
    func = call.func
    method = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    if not method or _LIFECYCLE_CALL.match(method) or _CALLBACK_COLLECTION.search(collection_name(loop.iter)):
        return False
    receiver = func.value if isinstance(func, ast.Attribute) else None
    if receiver is not None and names_read(receiver) & item_names:
        return True
    if _ORDERED_CALL.match(method):
        return False
    if receiver is not None:
        receiver_name = (dotted_name(receiver) or "").rsplit(".", 1)[-1]
        if not receiver_name or _SHARED_RECEIVER.search(receiver_name):
            return False
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return any(names_read(argument) & item_names for argument in arguments)


def collection_name(iterable: ast.expr) -> str:
    """The last name of what a loop iterates: `self._traces` -> '_traces', `list(sites)` -> 'sites', `clients.values()` -> 'clients'."""
    while isinstance(iterable, (ast.Call, ast.Subscript)):
        if isinstance(iterable, ast.Subscript):
            iterable = iterable.value
            continue
        if isinstance(iterable.func, ast.Name) and len(iterable.args) == 1:
            iterable = iterable.args[0]
        elif isinstance(iterable.func, ast.Attribute) and not iterable.args:
            iterable = iterable.func.value
        else:
            return ""
    return (dotted_name(iterable) or "").rsplit(".", 1)[-1]


def concurrent_fan_out(loop: ast.For, ctx: Context) -> tuple[ast.Call, str | None] | None:
    """(the awaited call, the list it is appended to) when a coroutine's loop awaits independent calls one
    after another (RV303's shape); None when the calls share a session, the order matters, or in scripts."""
    if not ctx.in_async_function or loop.orelse or len(loop.body) != 1 or in_script_code(ctx):
        return None
    shape = fan_out_shape(loop)
    if shape is None:
        return None
    call, results = shape
    if not independent_per_item(call, loop):
        return None
    if shares_context(call, names_bound(loop.target)) or carries_order(loop.iter, collection_name(loop.iter)):
        return None
    lines = [ctx.lines.line_text(n) for n in range(loop.lineno - 1, (loop.end_lineno or loop.lineno) + 1)]
    if states_order(lines) or depends_on_results(call, results):
        return None
    return shape


def plain_arguments(call: ast.Call) -> bool:
    """True when every argument is a constant or a name/attribute (or a tuple of them): nothing built or
    called per iteration and no mutable literal shared by the concurrent calls."""
    return all(_plain(argument) for argument in [*call.args, *(k.value for k in call.keywords)])


def _plain(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Starred):
        return _plain(expr.value)
    if isinstance(expr, ast.Tuple):
        return all(_plain(element) for element in expr.elts)
    return isinstance(expr, (ast.Constant, ast.Name)) or (isinstance(expr, ast.Attribute) and dotted_name(expr) is not None)


def has_comment(source: str) -> bool:
    """True when a piece of source contains a `#` comment (not a `#` inside a string)."""
    try:
        return any(token.type == tokenize.COMMENT for token in tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return "#" in source
