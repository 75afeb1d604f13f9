"""RV103 temp-file-round-trip-in-loop: RV103: data exported to a temporary file and read straight back, on every iteration."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from review_ls.engine.facts import dotted_name
from review_ls.engine.model import Finding
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs
from review_ls.engine.walker import Context
from review_ls.patterns.tempfiles import TempNames, temp_names
from review_ls.patterns.scope_index import _ScopeIndex, _scope_index


_WRITER_NAMES = frozenset(
    {"export", "save", "savefig", "dump", "tofile", "imwrite", "imsave", "savetxt", "savez", "savez_compressed", "write", "serialize"}
)


_WRITER_PREFIXES = ("to_", "save_", "export_", "write_")


_READER_NAMES = frozenset({"load", "read", "open", "imread", "fromfile", "loadtxt", "genfromtxt", "parse", "read_file"})


_READER_PREFIXES = ("read_", "load_", "from_")


_SELF_READS = frozenset({"read_text", "read_bytes"})


def _callee(call: ast.Call) -> tuple[str, str] | None:
    """(the callee as written, its last name) for `mesh.export(...)`, `np.save(...)`, `load(...)`."""
    dotted = dotted_name(call.func)
    if dotted is None:
        return (call.func.attr, call.func.attr) if isinstance(call.func, ast.Attribute) else None
    return dotted, dotted.rsplit(".", 1)[-1]


def _temp_argument(call: ast.Call, temps: TempNames) -> tuple[frozenset[str], frozenset[str]] | None:
    """The key of the temporary file passed to `call`, if any."""
    for argument in (*call.args, *(k.value for k in call.keywords)):
        key = temps.key(argument)
        if key is not None:
            return key
    return None


def _writes_mode(call: ast.Call) -> bool:
    """True for `open(path, "w"...)` and other modes that write."""
    mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & set("wax+"))


def _reader_key(call: ast.Call, temps: TempNames) -> tuple[str, tuple[frozenset[str], frozenset[str]]] | None:
    """(callee, temporary-file key) when `call` reads a temporary file back."""
    callee = _callee(call)
    if callee is None:
        return None
    written, last = callee
    if last in _SELF_READS and isinstance(call.func, ast.Attribute):
        key = temps.key(call.func.value)
        return (written, key) if key is not None else None
    if last not in _READER_NAMES and not last.startswith(_READER_PREFIXES):
        return None
    if last == "open" and _writes_mode(call):
        return None
    key = _temp_argument(call, temps)
    return (written, key) if key is not None else None


def _is_writer(last: str) -> bool:
    """True for callee names that export data to a file (`export`, `save`, `to_csv`, `savefig`, ...)."""
    return last in _WRITER_NAMES or last.startswith(_WRITER_PREFIXES)


def _scope_temps(ctx: Context, index: _ScopeIndex) -> TempNames:
    """The temporary names of the visited node's scope, collected once per scope and walk."""
    key = ("io.temps", id(index.root))
    temps = ctx.memo.get(key)
    if temps is None:
        temps = ctx.memo[key] = temp_names(index.nodes, ctx.qualified_name)
    return temps


def _uses_tempfile(ctx: Context) -> bool:
    """True when the module (or the enclosing function) imports from `tempfile`."""
    return any(target == "tempfile" or target.startswith("tempfile.") for target in ctx.imports.values())


class TempFileRoundTripInLoop(Rule):
    """RV103: data exported to a temporary file and read straight back, on every iteration."""

    code = "RV103"
    name = "temp-file-round-trip-in-loop"
    applies_to = SERVICE_CODE
    message = "{writer}() writes a temporary file that {reader}() reads straight back, on every iteration; convert in memory"
    docs = RuleDocs(
        what="""
            Finds, inside a loop, a call that exports data to a temporary file
            (`mesh.export(tmp.name)`, `df.to_csv(path)`, `fig.savefig(tmp)`, `np.save(path, a)`)
            followed in the same iteration by another call that reads that file back
            (`trimesh.load(tmp.name)`, `pd.read_csv(path)`, `open(tmp.name, "rb")`). Temporary
            files come from `tempfile` (`NamedTemporaryFile`, `TemporaryDirectory`, `mkstemp`,
            `mkdtemp`, paths joined onto them). One-off conversions outside loops are left alone,
            and so are temporary files written with your own `write()` and handed to a library
            that only accepts a path.
            """,
        why="""
            Each iteration serialises the data, writes it to disk, opens the file again and parses
            it back: two format conversions and file-system round trips per item, often the
            dominant cost of the loop, plus a temporary file to clean up. Most libraries can build
            the target object from the source data directly (a mesh from its vertices and faces, a
            DataFrame from records, an image from a buffer).
            """,
        fix="""
            Convert in memory: construct the target from the data
            (`trimesh.Trimesh(vertices=..., faces=...)`, `pd.DataFrame(records)`), or serialise to
            an `io.BytesIO`/`io.StringIO` and read from that. This rule gives advice only: the
            right conversion depends on the libraries involved.
            """,
    )
    valid = (
        """
        import tempfile

        import trimesh

        def convert_once(mesh):
            with tempfile.NamedTemporaryFile(suffix=".stl") as tmp:
                mesh.export(tmp.name)
                return trimesh.load(tmp.name)
        """,
        """
        import subprocess
        import tempfile

        def render_all(scenes):
            for scene in scenes:
                with tempfile.NamedTemporaryFile(suffix=".pov") as tmp:
                    scene.export(tmp.name)
                    subprocess.run(["povray", tmp.name], check=True)
        """,
        """
        import tempfile

        import soundfile

        def decode_all(blobs):
            for blob in blobs:
                with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
                    tmp.write(blob)
                    tmp.flush()
                    yield soundfile.read(tmp.name)
        """,
    )
    invalid = (
        Invalid(
            """
            import tempfile

            import trimesh

            def to_trimesh(meshes):
                result = []
                for mesh in meshes:
                    with tempfile.NamedTemporaryFile(suffix=".stl") as tmp:
                        mesh.export(tmp.name)
                        result.append(trimesh.load(tmp.name))
                return result
            """,
            line=9,
        ),
        Invalid(
            """
            import os
            import tempfile

            import pandas as pd

            def normalise(frames):
                with tempfile.TemporaryDirectory() as workdir:
                    for frame in frames:
                        path = os.path.join(workdir, "frame.csv")
                        frame.to_csv(path, index=False)
                        yield pd.read_csv(path)
            """,
            line=10,
        ),
        Invalid(
            """
            import tempfile

            def pngs(figures):
                images = []
                for figure in figures:
                    fd, path = tempfile.mkstemp(suffix=".png")
                    figure.savefig(path)
                    with open(path, "rb") as fh:
                        images.append(fh.read())
                return images
            """,
            line=7,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding] | None:
        """Report exports to a temporary file that the same iteration reads back (a plain function: calls outside loops
        leave without making a generator)."""
        return self._call_findings(node, ctx) if ctx.loops else None

    def _call_findings(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        if not ctx.loops or not node.args and not node.keywords:
            return
        func = node.func
        last = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
        if last is None or not _is_writer(last) or not _uses_tempfile(ctx):
            return
        callee = _callee(node)
        if callee is None:
            return
        index = _scope_index(ctx)
        temps = _scope_temps(ctx, index)
        key = _temp_argument(node, temps) if temps.all else None
        if key is None:
            return
        loop = ctx.loops[-1]
        start = (node.lineno, node.col_offset)
        body = loop.body if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) else [loop]
        for statement in body:
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Call) and inner is not node and (inner.lineno, inner.col_offset) > start:
                    reader = _reader_key(inner, temps)
                    if reader is not None and reader[1] == key and reader[0] != callee[0]:
                        yield self.report(node, ctx, writer=callee[0], reader=reader[0])
                        return
