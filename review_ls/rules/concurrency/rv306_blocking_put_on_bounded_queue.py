"""RV306 blocking-put-on-bounded-queue: RV306: a blocking `put` on a bounded thread queue from a coroutine."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.engine.facts import BindingKind, dotted_name, qualify_dotted
from review_ls.engine.model import Finding
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context


_BLOCKING_QUEUES = frozenset(
    {"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue"}
)


_BOUNDED_QUEUES = "RV306.bounded-queues"


class BlockingPutOnBoundedQueue(Rule):
    """RV306: a blocking `put` on a bounded thread queue from a coroutine."""

    code = "RV306"
    name = "blocking-put-on-bounded-queue"
    call_names = frozenset({"put"})  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    message = "{queue}.put() blocks the event loop when the bounded queue is full"
    docs = RuleDocs(
        what="""
            Finds `put(item)` without `block=False` or a `timeout` on a `queue.Queue` (or
            `LifoQueue`, `PriorityQueue`, `multiprocessing.Queue`) created with a `maxsize`, called
            from an `async def`. The queue may be module-level or an attribute set in the class.
            `asyncio.Queue` (whose `put` is awaited) and producers running in their own threads are
            not reported.
            """,
        why="""
            When the consumer falls behind the queue fills, and a blocking `put` then stops the
            whole event loop — every request and heartbeat of the process — until a slot frees up.
            If the consumer itself needs the loop, that is a deadlock.
            """,
        fix="""
            Use `put_nowait(item)` and decide what overflow means (drop, drop oldest, reply 503),
            or run the blocking put in a thread: `await loop.run_in_executor(None, q.put, item)`.
            For queues between coroutines, use `asyncio.Queue` and `await q.put(item)`.
            """,
    )
    valid = (
        """
        import queue

        jobs = queue.Queue(maxsize=100)

        async def enqueue(job):
            try:
                jobs.put_nowait(job)
            except queue.Full:
                raise RuntimeError("busy")
        """,
        """
        import queue

        jobs = queue.Queue(maxsize=100)

        def producer(items):
            for item in items:
                jobs.put(item)
        """,
        """
        import queue

        events = queue.Queue()

        async def publish(event):
            events.put(event)
        """,
    )
    invalid = (
        Invalid(
            """
            import queue

            jobs = queue.Queue(maxsize=100)

            async def enqueue(job):
                jobs.put(job)
            """,
            line=6,
        ),
        Invalid(
            """
            from queue import Queue

            class Recorder:
                def __init__(self):
                    self.frames = Queue(maxsize=32)

                async def on_frame(self, frame):
                    self.frames.put(frame)
            """,
            line=8,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report a blocking put on a bounded queue inside a coroutine."""
        func = node.func
        if not ctx.in_async_function or not isinstance(func, ast.Attribute) or func.attr != "put":
            return
        if len(node.args) != 1 or any(k.arg in ("block", "timeout") for k in node.keywords):
            return
        queue_name = dotted_name(func.value)
        if queue_name is None or not self._is_bounded_queue(queue_name, ctx):
            return
        yield self.report(node, ctx, queue=queue_name)

    @staticmethod
    def _is_bounded_queue(name: str, ctx: Context) -> bool:
        if name.startswith("self.") and name.count(".") == 1 and ctx.class_ is not None:
            return name in _bounded_queues_of(ctx.class_, ctx, "self.")
        if "." not in name:
            binding = ctx.facts.bindings.get(name)
            if binding is None or binding.kind is not BindingKind.INSTANCE or (qualify_dotted(binding.detail, ctx.imports) or binding.detail) not in _BLOCKING_QUEUES:
                return False
            module = ctx.parents[0] if ctx.parents else None
            return name in _bounded_queues_of(module, ctx, "")
        return False


def _bounded_queues_of(scope: ast.AST | None, ctx: Context, prefix: str) -> frozenset[str]:
    """Names (`q` at module level, `self.q` in a class) assigned a thread queue with a maxsize in `scope`."""
    key = (_BOUNDED_QUEUES, id(scope))
    found = ctx.memo.get(key)
    if found is None:
        names: set[str] = set()
        if scope is None:
            statements: list[ast.AST] = []
        elif prefix:  # `self.q = Queue(...)` in any method of the class
            statements = list(ast.walk(scope))
        else:  # `q = Queue(...)` at module level
            statements = list(getattr(scope, "body", ()))
        for statement in statements:
            if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not isinstance(statement.value, ast.Call):
                continue
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            call = statement.value
            if ctx.call_name(call) not in _BLOCKING_QUEUES or not _has_maxsize(call):
                continue
            for target in targets:
                target_name = dotted_name(target)
                if target_name is not None and target_name.startswith(prefix) and (prefix or "." not in target_name):
                    names.add(target_name)
        found = ctx.memo[key] = frozenset(names)
    return found


def _has_maxsize(call: ast.Call) -> bool:
    size = next((k.value for k in call.keywords if k.arg == "maxsize"), call.args[0] if call.args else None)
    if size is None:
        return False
    return not (isinstance(size, ast.Constant) and isinstance(size.value, int) and size.value <= 0)
