"""RV102 in-memory-archive: RV102: a zip or tar archive built in an `io.BytesIO`."""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.cst_edit import cst, indented, replace_nodes
from review_ls.engine.facts import BindingKind
from review_ls.engine.model import Applicability, Finding, Fix
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Option, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.files import Qualifier
from review_ls.patterns.scripts import is_test_path
from review_ls.patterns.scope_index import (
    _ScopeIndex,
    _scope_root,
    _scope_index,
    _lines_before,
    _simple_line,
    _single_name_target,
)

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_ARCHIVE_WRITE_MODES = ("w", "a", "x")


class _BufferUse(enum.Enum):
    """How a function uses the `io.BytesIO` that may hold an archive."""

    ARCHIVE = "archive"
    GETVALUE = "getvalue"
    POSITION = "position"
    CONSUMED = "consumed"


@dataclass(frozen=True)
class _ArchiveBuffer:
    """An `io.BytesIO()` bound to `name`, the archive written into it, and every read of `name`."""

    call: ast.Call
    name: str
    binding: ast.Assign | ast.withitem
    archive: ast.Call
    archive_kind: str
    uses: tuple[tuple[ast.Name, _BufferUse], ...]


def _archive_kind(call: ast.Call, buffer: ast.Name, qualify: Qualifier) -> str | None:
    """'zip' or 'tar' when `call` opens an archive for writing into `buffer`, else None."""
    qualified = qualify(call.func)
    keywords = {k.arg: k.value for k in call.keywords}
    if qualified == "zipfile.ZipFile":
        target = call.args[0] if call.args else keywords.get("file")
        mode = call.args[1] if len(call.args) > 1 else keywords.get("mode")
        kind = "zip"
    elif qualified in ("tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"):
        target = keywords.get("fileobj") or (call.args[2] if len(call.args) > 2 else None)
        mode = call.args[1] if len(call.args) > 1 else keywords.get("mode")
        kind = "tar"
    else:
        return None
    if target is not buffer or not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)):
        return None
    return kind if mode.value.startswith(_ARCHIVE_WRITE_MODES) else None


def _buffer_use(load: ast.Name, index: _ScopeIndex, qualify: Qualifier) -> tuple[_BufferUse, ast.Call | None]:
    """Classify one read of the buffer's name (and return the archive call for ARCHIVE)."""
    if id(load) in index.escaped:
        return _BufferUse.CONSUMED, None
    parent = index.parent(load)
    if isinstance(parent, ast.keyword):
        parent = index.parent(parent)
    if isinstance(parent, ast.Call) and parent.func is not load and _archive_kind(parent, load, qualify):
        return _BufferUse.ARCHIVE, parent
    if isinstance(parent, ast.Attribute):
        call = index.parent(parent)
        if isinstance(call, ast.Call) and call.func is parent:
            if parent.attr == "getvalue" and not call.args:
                return _BufferUse.GETVALUE, None
            if parent.attr in ("seek", "tell", "flush"):
                return _BufferUse.POSITION, None
    return _BufferUse.CONSUMED, None


def _archive_buffer(call: ast.Call, parent: ast.AST | None, index: _ScopeIndex, qualify: Qualifier) -> _ArchiveBuffer | None:
    """The archive-in-memory pattern around an `io.BytesIO()` call, if this is one."""
    if call.args or call.keywords:
        return None
    if isinstance(parent, ast.Assign) and parent.value is call and _single_name_target(parent):
        name, binding = _single_name_target(parent), parent
    elif isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        name, binding = parent.optional_vars.id, parent  # type: ignore[assignment]
    else:
        return None
    uses = []
    archive = kind = None
    for load in index.loads_of(name):  # type: ignore[arg-type]
        use, archive_call = _buffer_use(load, index, qualify)
        if archive_call is not None and archive is None:
            archive, kind = archive_call, _archive_kind(archive_call, load, qualify)
        uses.append((load, use))
    consumed = any(use in (_BufferUse.GETVALUE, _BufferUse.CONSUMED) for _, use in uses)
    if archive is None or kind is None or not consumed:
        return None
    return _ArchiveBuffer(call, name, binding, archive, kind, tuple(uses))  # type: ignore[arg-type]


def _archive_handle(buffer: _ArchiveBuffer, index: _ScopeIndex) -> str | None:
    """The name the archive object is bound to (`with ZipFile(buf, "w") as zf`, `zf = ZipFile(...)`)."""
    parent = index.parent(buffer.archive)
    if isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
        return parent.optional_vars.id
    if isinstance(parent, ast.Assign) and parent.value is buffer.archive:
        return _single_name_target(parent)
    return None


def _is_small_fixed_archive(buffer: _ArchiveBuffer, index: _ScopeIndex) -> bool:
    """True when the archive only gets a few literal members (`zf.writestr("a.txt", "hello")`), outside loops."""
    handle = _archive_handle(buffer, index)
    if handle is None:
        return False
    members = 0
    for load in index.loads_of(handle):
        attribute = index.parent(load)
        call = index.parent(attribute) if isinstance(attribute, ast.Attribute) else None
        if not (isinstance(call, ast.Call) and isinstance(attribute, ast.Attribute) and call.func is attribute):
            return False
        if attribute.attr == "close":
            continue
        data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "data"), None)
        if attribute.attr != "writestr" or not isinstance(data, ast.Constant) or _inside_loop(call, index):
            return False
        members += 1
    return members > 0


def _inside_loop(node: ast.AST, index: _ScopeIndex) -> bool:
    """True when `node` runs inside a loop of its scope."""
    current = index.parent(node)
    while current is not None and current is not index.root:
        if isinstance(current, (ast.For, ast.AsyncFor, ast.While, ast.comprehension)):
            return True
        current = index.parent(current)
    return False


@dataclass(frozen=True)
class _SpoolPlan:
    """How RV102's fix rewrites the buffer: the block holding it, and the `getvalue()` statement."""

    buffer: _ArchiveBuffer
    block_owner: ast.AST
    getvalue_statement: ast.stmt
    getvalue_call: ast.Call


def _statement_of(node: ast.AST, index: _ScopeIndex) -> ast.stmt | None:
    """The innermost statement that holds `node`."""
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = index.parent(current)
    return current


def _spool_plan(buffer: _ArchiveBuffer, index: _ScopeIndex) -> _SpoolPlan | None:
    """The plan of RV102's fix, or None unless the buffer is only written by a `with` archive
    and then read once with `getvalue()` by a statement of the same block."""
    kinds = [use for _, use in buffer.uses]
    if kinds != [_BufferUse.ARCHIVE, _BufferUse.GETVALUE]:
        return None
    getvalue_load = buffer.uses[1][0]
    getvalue_call = index.parent(index.parent(getvalue_load))  # type: ignore[arg-type]
    archive_item = index.parent(buffer.archive)
    archive_with = index.parent(archive_item) if isinstance(archive_item, ast.withitem) else None
    statement = _statement_of(getvalue_load, index)
    if not isinstance(archive_with, ast.With) or statement is None or not isinstance(getvalue_call, ast.Call):
        return None
    if (archive_with.end_lineno or 0) >= statement.lineno:
        return None  # read while the archive is still open
    owner = index.parent(buffer.binding)
    if isinstance(buffer.binding, ast.withitem) and not (isinstance(owner, ast.With) and len(owner.items) == 1):
        return None
    block = getattr(owner, "body", None)
    if not isinstance(block, list) or not any(s is statement for s in block):
        return None
    if isinstance(buffer.binding, ast.Assign) and not any(s is buffer.binding for s in block):
        return None
    if buffer.archive.lineno <= buffer.call.lineno:
        return None
    return _SpoolPlan(buffer, owner, statement, getvalue_call)  # type: ignore[arg-type]


_SPOOL_CONSTANT = "ARCHIVE_SPOOL_MAX_BYTES"


_MEBIBYTE = 1024 * 1024


class InMemoryArchive(Rule):
    """RV102: a zip or tar archive built in an `io.BytesIO`."""

    code = "RV102"
    name = "in-memory-archive"
    call_names = frozenset({"BytesIO"})  # (visit_Call returns at once for any other callee)
    applies_to = SERVICE_CODE
    message = "the {kind} archive is built in an io.BytesIO, so all of it is held in memory; spool it to a temporary file"
    fix_title = "Build the archive in a tempfile.SpooledTemporaryFile"
    fix_applicability = Applicability.UNSAFE
    options = (
        Option(
            "max_size",
            16 * _MEBIBYTE,
            "bytes an archive may take in memory before the quick fix's SpooledTemporaryFile spills it to disk",
        ),
    )
    docs = RuleDocs(
        what="""
            Finds an `io.BytesIO()` passed as the file of `zipfile.ZipFile(buf, "w")` or
            `tarfile.open(fileobj=buf, mode="w...")` (write, append or exclusive mode) whose content
            is then taken out (`getvalue()`, `read()`, returned, handed to another call). Tests are
            left alone, and so are archives that only get a few literal members
            (`zf.writestr("a.txt", "hello")`) outside any loop.
            """,
        why="""
            The archive exists only in memory: a download endpoint that zips a user's files holds
            every archive being built at the same time in RAM, so a few large or concurrent
            requests exhaust the worker's memory. A temporary file bounds the memory an archive
            takes and lets the response stream from disk.
            """,
        fix="""
            Build the archive in `tempfile.SpooledTemporaryFile(max_size=...)`: it stays in memory
            up to `max_size` bytes and rolls over to a real temporary file beyond that; then stream
            it (`shutil.copyfileobj`, `upload_fileobj`, a `FileResponse`/`StreamingResponse` over
            the file) rather than reading it back into one `bytes` object.

            The quick fix handles the common shape — `buf = io.BytesIO()`, a
            `with zipfile.ZipFile(buf, "w") as zf:` block, then one `buf.getvalue()` — by opening
            the spooled file in a `with` block, and replacing `getvalue()` by `buf.seek(0)`
            followed by `buf.read()` (equivalent: nothing reads the buffer afterwards). The size
            limit is a module constant, `ARCHIVE_SPOOL_MAX_BYTES` (16 MiB, the rule option
            `max_size`). It bounds the memory taken while the archive is built; to stop holding
            the finished archive in memory, return or stream the file itself instead of its bytes,
            which changes the function's contract and is left to you. The fix is marked unsafe:
            archives beyond the limit now need a writable temporary directory. Other shapes (the
            buffer returned or passed on) get advice only.
            """,
    )
    valid = (
        Valid(
            """
            import io
            import zipfile

            def test_reads_zip_members():
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w") as archive:
                    for index in range(100):
                        archive.writestr(f"file{index}.txt", "data")
                assert read_members(buffer.getvalue()) == 100
            """,
            path="tests/test_archive.py",
        ),
        """
        import io
        import zipfile

        def readme_archive():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("README.txt", "See https://example.com for the data.")
            return buffer.getvalue()
        """,
        """
        import tempfile
        import zipfile

        def build(paths):
            spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
            with zipfile.ZipFile(spool, "w") as archive:
                for path in paths:
                    archive.write(path)
            spool.seek(0)
            return spool
        """,
        """
        import io
        import zipfile

        def members(data: bytes):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.namelist()
        """,
    )
    invalid = (
        Invalid(
            """
            import io
            import zipfile


            def build_archive(paths):
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path in paths:
                        archive.write(path, path.name)
                return buffer.getvalue()
            """,
            line=6,
            fixed="""
            import io
            import tempfile
            import zipfile


            ARCHIVE_SPOOL_MAX_BYTES = 16 * 1024 * 1024


            def build_archive(paths):
                with tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_MAX_BYTES) as buffer:
                    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                        for path in paths:
                            archive.write(path, path.name)
                    buffer.seek(0)
                    return buffer.read()
            """,
        ),
        Invalid(
            """
            import tarfile
            from io import BytesIO


            def backup(directory, upload):
                # the whole backup goes to object storage
                with BytesIO() as stream:
                    with tarfile.open(fileobj=stream, mode="w:gz") as tar:
                        tar.add(directory, arcname="backup")
                    payload = stream.getvalue()
                    upload(payload)
            """,
            line=7,
            fixed="""
            import tarfile
            import tempfile
            from io import BytesIO


            ARCHIVE_SPOOL_MAX_BYTES = 16 * 1024 * 1024


            def backup(directory, upload):
                # the whole backup goes to object storage
                with tempfile.SpooledTemporaryFile(max_size=ARCHIVE_SPOOL_MAX_BYTES) as stream:
                    with tarfile.open(fileobj=stream, mode="w:gz") as tar:
                        tar.add(directory, arcname="backup")
                    stream.seek(0)
                    payload = stream.read()
                    upload(payload)
            """,
        ),
        Invalid(
            """
            import io
            import zipfile

            from fastapi.responses import StreamingResponse


            def download(files):
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, mode="w") as archive:
                    for name, content in files.items():
                        archive.writestr(name, content)
                buffer.seek(0)
                return StreamingResponse(buffer, media_type="application/zip")
            """,
            line=8,
        ),
        Invalid(
            """
            import io
            import tarfile

            def export(paths):
                buffer = io.BytesIO()
                tar = tarfile.open(mode="w", fileobj=buffer)
                for path in paths:
                    tar.add(path)
                tar.close()
                buffer.seek(0)
                return buffer.read()
            """,
            line=5,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `io.BytesIO()` buffers that an archive is written into and then taken out of."""
        func = node.func
        if not ((type(func) is ast.Attribute and func.attr == "BytesIO") or (type(func) is ast.Name and func.id == "BytesIO")):
            return
        if node.args or node.keywords or not isinstance(ctx.parent, (ast.Assign, ast.withitem)):
            return
        if ctx.qualified_name(func) != "io.BytesIO" or is_test_path(ctx.path):
            return
        index = _scope_index(ctx)
        buffer = _archive_buffer(node, ctx.parent, index, ctx.qualified_name)
        if buffer is None or _is_small_fixed_archive(buffer, index):
            return
        fixable = _spool_plan(buffer, index) is not None
        yield self.report(node, ctx, kind=buffer.archive_kind, fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Open a SpooledTemporaryFile instead, and read it back from the start where getvalue() was."""
        call = fctx.node
        if not isinstance(call, ast.Call) or not fctx.ancestors:
            return None
        qualify = fctx.qualified_name
        index = _ScopeIndex(_scope_root(fctx.ancestors, fctx.scope))
        buffer = _archive_buffer(call, fctx.ancestors[-1], index, qualify)
        plan = _spool_plan(buffer, index) if buffer is not None else None
        if plan is None:
            return None
        module = fctx.cst_module
        getvalue_cst = fctx.cst_node(plan.getvalue_call)
        statement_cst = fctx.cst_node(plan.getvalue_statement)
        getvalue_line = _simple_line(module, statement_cst) if statement_cst is not None else None
        owner_cst = fctx.cst_node(plan.block_owner)
        if getvalue_cst is None or getvalue_line is None or owner_cst is None:
            return None
        tempfile_name = fctx.ensure_import("tempfile")
        constant = self._size_constant(fctx)
        spooled = cst.parse_expression(f"{tempfile_name}.SpooledTemporaryFile(max_size={constant})")
        name = plan.buffer.name
        seek = cst.parse_statement(f"{name}.seek(0)")
        replacements: dict[int, Any] = {id(getvalue_cst): cst.parse_expression(f"{name}.read()")}
        if isinstance(plan.buffer.binding, ast.withitem):
            call_cst = fctx.cst_node(call)
            if call_cst is None:
                return None
            replacements[id(call_cst)] = spooled
            replacements[id(getvalue_line)] = lambda line: cst.FlattenSentinel(
                [seek.with_changes(leading_lines=line.leading_lines), line.with_changes(leading_lines=[])]
            )
        else:
            binding_cst = fctx.cst_node(plan.buffer.binding)
            binding_line = _simple_line(module, binding_cst) if binding_cst is not None else None
            block_cst = owner_cst.body if isinstance(owner_cst.body, cst.IndentedBlock) else None
            if binding_line is None or block_cst is None:
                return None
            statements = list(block_cst.body)
            positions = [i for i, s in enumerate(statements) if s is binding_line or s is getvalue_line]
            if len(positions) != 2:
                return None
            first, last = positions

            def wrap(block: cst.IndentedBlock) -> cst.IndentedBlock:
                body = cast(list[cst.SimpleStatementLine], list(block.body))  # both ends are simple lines (found above)
                moved = body[first + 1 : last]
                final = body[last]
                inner = [*moved, seek.with_changes(leading_lines=final.leading_lines), final.with_changes(leading_lines=[])]
                spool_with = cst.With(
                    items=[cst.WithItem(item=spooled, asname=cst.AsName(name=cst.Name(name)))],
                    body=indented([inner[0].with_changes(leading_lines=[]), *inner[1:]]),
                    leading_lines=_lines_before(body[first]),
                )
                return block.with_changes(body=[*body[:first], spool_with, *body[last + 1 :]])

            replacements[id(block_cst)] = wrap
        fctx.replace_scope(replace_nodes(module, replacements).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)

    def _size_constant(self, fctx: FixContext) -> str:
        """The module constant holding the spool size: the existing one, or a new one."""
        existing = fctx.facts.bindings.get(_SPOOL_CONSTANT)
        if existing is not None and existing.kind is BindingKind.CONSTANT:
            return _SPOOL_CONSTANT  # read when the function runs, so defined anywhere at module level will do
        constant = fctx.unique_name(_SPOOL_CONSTANT)
        size = int(self.config["max_size"])
        value = f"{size // _MEBIBYTE} * 1024 * 1024" if size and size % _MEBIBYTE == 0 else str(size)
        fctx.add_definition(f"{constant} = {value}")
        return constant
