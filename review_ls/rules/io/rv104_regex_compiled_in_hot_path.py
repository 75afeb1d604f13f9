"""RV104 regex-compiled-in-hot-path: RV104: an `re` function called with a literal pattern inside a loop."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.cst_edit import cst, replace_nodes
from review_ls.engine.facts import ModuleFacts, dotted_name
from review_ls.engine.model import Finding, Fix, Severity
from review_ls.engine.roles import SERVICE_CODE
from review_ls.engine.rule import Invalid, Rule, RuleDocs, Valid
from review_ls.engine.walker import Context
from review_ls.patterns.paths import Qualifier
from review_ls.patterns.names import names_read
from review_ls.patterns.scripts import is_test_path
from review_ls.patterns.paths import qualifier_for
from review_ls.patterns.regex_names import regex_constant_name
from review_ls.patterns.scope_index import _single_name_target

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext


_BUILTINS = frozenset(dir(builtins))


_RE_FUNCTIONS = {
    # function: (index of the flags argument, the Pattern method, or None for compile)
    "compile": (1, None),
    "search": (2, "search"),
    "match": (2, "match"),
    "fullmatch": (2, "fullmatch"),
    "findall": (2, "findall"),
    "finditer": (2, "finditer"),
    "split": (3, "split"),
    "sub": (4, "sub"),
    "subn": (4, "subn"),
}




@dataclass(frozen=True)
class _RegexCall:
    """`re.<function>(<constant pattern>, ...)`: the pattern, the flags argument and the rest."""

    call: ast.Call
    function: str
    pattern: ast.Constant
    flags: ast.expr | None
    flags_position: int | None


def _regex_call(call: ast.Call, qualify: Qualifier) -> _RegexCall | None:
    """Describe `call` if it is an `re` function called with a literal pattern."""
    qualified = qualify(call.func)
    if qualified is None or not qualified.startswith("re."):
        return None
    function = qualified[3:]
    spec = _RE_FUNCTIONS.get(function)
    if spec is None or not call.args:
        return None
    pattern = call.args[0]
    if not isinstance(pattern, ast.Constant) or not isinstance(pattern.value, (str, bytes)):
        return None
    flags_index = spec[0]
    flags: ast.expr | None = None
    position: int | None = None
    if len(call.args) > flags_index:
        flags, position = call.args[flags_index], flags_index
    for keyword in call.keywords:
        if keyword.arg == "flags":
            flags = keyword.value
    return _RegexCall(call, function, pattern, flags, position)


_FLAG_NAMES = {
    "A": "ASCII",
    "I": "IGNORECASE",
    "L": "LOCALE",
    "M": "MULTILINE",
    "S": "DOTALL",
    "U": "UNICODE",
    "X": "VERBOSE",
}


def _flag_words(flags: ast.expr | None) -> list[str]:
    """The `re` flags an expression names, spelled out: `re.I | re.M` -> ['IGNORECASE', 'MULTILINE']."""
    if flags is None:
        return []
    names = [n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(flags) if isinstance(n, (ast.Attribute, ast.Name))]
    spelled = [_FLAG_NAMES.get(name, name) for name in names]
    return [name for name in dict.fromkeys(spelled) if name in _FLAG_NAMES.values()]


def _hoistable(regex: _RegexCall, facts: ModuleFacts, qualify: Qualifier, before_line: int) -> bool:
    """True when the compiled pattern can become a module-level constant defined before `before_line`."""
    if any(isinstance(a, ast.Starred) for a in regex.call.args) or any(k.arg is None for k in regex.call.keywords):
        return False
    if any(k.arg == "pattern" for k in regex.call.keywords) or qualify(regex.call.func) is None:
        return False
    names = names_read(regex.flags) if regex.flags is not None else set()
    for name in names:
        binding = facts.bindings.get(name)
        if binding is None and name in _BUILTINS:
            continue
        if binding is None or binding.line >= before_line:
            return False
    re_binding = facts.bindings.get(facts.local_name_for("re") or "")
    return re_binding is None or re_binding.line < before_line


def _existing_constant(module: ast.Module, pattern: ast.Constant, flags: ast.expr | None, before_line: int) -> str | None:
    """A module-level `NAME = re.compile(<same pattern>, <same flags>)` defined before `before_line`."""
    wanted = (repr(pattern.value), ast.dump(flags) if flags is not None else None)
    for statement in module.body:
        if statement.lineno >= before_line:
            break
        if not (isinstance(statement, ast.Assign) and _single_name_target(statement) and isinstance(statement.value, ast.Call)):
            continue
        value = statement.value
        if (dotted_name(value.func) or "").rsplit(".", 1)[-1] != "compile" or not value.args or value.keywords:
            continue
        first = value.args[0]
        existing_flags = ast.dump(value.args[1]) if len(value.args) > 1 else None
        if isinstance(first, ast.Constant) and (repr(first.value), existing_flags) == wanted and len(value.args) <= 2:
            return _single_name_target(statement)
    return None


class RegexCompiledInHotPath(Rule):
    """RV104: an `re` function called with a literal pattern inside a loop."""

    code = "RV104"
    call_names = frozenset(_RE_FUNCTIONS)  # (re.<function>: visit_Call returns at once for any other callee)
    name = "regex-compiled-in-hot-path"
    applies_to = SERVICE_CODE
    severity = Severity.HINT
    default_enabled = False
    precision_note = """
        Off by default, hint severity: 0.83 on the judged corpus sample (docs/precision.md). The misses are loops over a handful
        of configuration items or fixed keys, where compiling once saves nothing; the rule cannot see
        the size of the loop.
        """
    message = "re.{function}() with a literal pattern runs inside a loop; compile the pattern once at module level"
    fix_title = "Compile the pattern once as a module-level constant"
    docs = RuleDocs(
        what="""
            Finds `re.compile`, `re.search`, `re.match`, `re.fullmatch`, `re.findall`,
            `re.finditer`, `re.split`, `re.sub` and `re.subn` called with a literal pattern inside a
            loop body (`for`, `while`, comprehensions) — however `re` is imported
            (`import re as regex`, `from re import sub`). Patterns compiled at module level, and
            patterns built from variables, are left alone; so is the iterable of a `for`
            (`for m in re.finditer(...)` runs once), and so are tests, whose loops run over a
            handful of cases rather than production data.
            """,
        why="""
            Every call looks the pattern up in `re`'s internal cache — hashing the pattern and
            flags — before it can match, and a loop that uses more distinct patterns than the cache
            holds (512) compiles them again and again. A compiled module-level constant is looked
            up once, shows its intent by name, and fails at import time if it is invalid rather
            than on the first unusual input.
            """,
        fix="""
            Hoist the pattern: the quick fix adds `_NAME_RE = re.compile(<pattern>, <flags>)` above
            the enclosing top-level statement (reusing an identical existing constant), and
            rewrites `re.sub(p, repl, s)` to `_NAME_RE.sub(repl, s)` and `re.compile(p)` to
            `_NAME_RE`, moving the flags (positional or `flags=`) into the compile call. Results
            are identical.
            """,
    )
    valid = (
        """
        import re

        _WORD_RE = re.compile(r"\\w+")

        def count_words(lines):
            return sum(len(_WORD_RE.findall(line)) for line in lines)
        """,
        """
        import re

        def grep(lines, pattern):
            compiled = re.compile(pattern)
            for line in lines:
                if re.search(pattern, line) or compiled.match(line):
                    yield line
        """,
        """
        import re

        def parse(text):
            for match in re.finditer(r"(\\w+)=(\\w+)", text):
                yield match.groups()
        """,
        Valid(
            """
            import re

            def test_parses_versions():
                for text in ("1.2", "10.20"):
                    assert re.fullmatch(r"\\d+\\.\\d+", text)
            """,
            path="tests/test_versions.py",
        ),
        """
        import re

        def check(name):
            return re.fullmatch(r"[a-z_]+", name) is not None

        def keywords(words, prefix):
            return [w for w in words if re.match(re.escape(prefix) + ".*", w)]
        """,
    )
    invalid = (
        Invalid(
            """
            import re


            def normalise(lines):
                return [re.sub(r"\\s+", " ", line).strip() for line in lines]
            """,
            line=5,
            fixed="""
            import re


            _WHITESPACE_RE = re.compile(r"\\s+")


            def normalise(lines):
                return [_WHITESPACE_RE.sub(" ", line).strip() for line in lines]
            """,
        ),
        Invalid(
            """
            import re as regex


            def errors(lines):
                for line in lines:
                    match = regex.match(r"ERROR: (?P<message>.*)", line, regex.IGNORECASE)
                    if match:
                        yield match["message"]
            """,
            line=6,
            fixed="""
            import re as regex


            _ERROR_MESSAGE_RE = regex.compile(r"ERROR: (?P<message>.*)", regex.IGNORECASE)


            def errors(lines):
                for line in lines:
                    match = _ERROR_MESSAGE_RE.match(line)
                    if match:
                        yield match["message"]
            """,
        ),
        Invalid(
            """
            from re import split


            class Tokenizer:
                def tokens(self, stream):
                    while line := stream.readline():
                        yield from split(r"\\W+", line, maxsplit=10, flags=0)
            """,
            line=7,
            fixed="""
            import re
            from re import split


            _SEPARATOR_RE = re.compile(r"\\W+", 0)


            class Tokenizer:
                def tokens(self, stream):
                    while line := stream.readline():
                        yield from _SEPARATOR_RE.split(line, maxsplit=10)
            """,
        ),
        Invalid(
            """
            import re

            WORD = re.compile(r"\\w+")

            def index(documents):
                for doc in documents:
                    pattern = re.compile(r"\\w+")
                    yield {word: doc.id for word in pattern.findall(doc.text)}
            """,
            line=7,
            fixed="""
            import re

            WORD = re.compile(r"\\w+")

            def index(documents):
                for doc in documents:
                    pattern = WORD
                    yield {word: doc.id for word in pattern.findall(doc.text)}
            """,
        ),
        Invalid(
            """
            def versions(lines):
                import re
                for line in lines:
                    yield re.findall(r"\\d+", line)
            """,
            line=4,
        ),
    )

    def visit_Call(self, node: ast.Call, ctx: Context) -> Iterator[Finding]:
        """Report `re` functions called with a literal pattern inside a loop body."""
        if not ctx.loops or not node.args:
            return
        func = node.func
        if type(func) is ast.Attribute:
            if func.attr not in _RE_FUNCTIONS:
                return
        elif type(func) is not ast.Name or not ctx.imports.get(func.id, "").startswith("re."):
            return
        regex = _regex_call(node, ctx.qualified_name)
        if regex is None or is_test_path(ctx.path):
            return
        top = ctx.top_statement
        module_qualify = qualifier_for(ctx.facts.imports)  # the compiled pattern moves to module level
        fixable = (
            top is not None
            and module_qualify(func) == ctx.qualified_name(func)
            and _hoistable(regex, ctx.facts, module_qualify, _first_line(top))
        )
        yield self.report(node, ctx, function=regex.function, fixable=fixable)

    def fix(self, fctx: FixContext) -> Fix | None:
        """Add (or reuse) a module-level compiled pattern and call its method instead."""
        call = fctx.node
        if not isinstance(call, ast.Call):
            return None
        qualify = qualifier_for(fctx.facts.imports)  # the compiled pattern moves to module level
        regex = _regex_call(call, qualify)
        before = _first_line(fctx.statement)
        if regex is None or not _hoistable(regex, fctx.facts, qualify, before):
            return None
        call_cst = fctx.cst_node(call)
        if call_cst is None:
            return None
        constant = _existing_constant(fctx.module, regex.pattern, regex.flags, before)
        positional = [a for a in call_cst.args if a.keyword is None]
        flags_cst = next((a for a in call_cst.args if a.keyword is not None and a.keyword.value == "flags"), None)
        if regex.flags_position is not None:
            flags_cst = positional[regex.flags_position]
        if constant is None:
            module = fctx.cst_module
            re_name = fctx.ensure_import("re")
            pattern_code = module.code_for_node(positional[0].value)
            flags_code = f", {module.code_for_node(flags_cst.value)}" if flags_cst is not None else ""
            base = regex_constant_name(cast(str | bytes, regex.pattern.value), fctx.enclosing_function)
            flag_words = _flag_words(regex.flags)
            if flag_words and not fctx.names.is_free(base):  # the same pattern without these flags is taken
                base = f"{base[: -len('_RE')]}_{'_'.join(flag_words)}_RE"
            value = f"{re_name}.compile({ast.dump(regex.pattern)}, {ast.dump(regex.flags) if regex.flags else ''})"
            constant = fctx.unique_name(base, value)
            fctx.add_definition(f"{constant} = {re_name}.compile({pattern_code}{flags_code})")
        method = _RE_FUNCTIONS[regex.function][1]
        if method is None:
            replacement: cst.BaseExpression = cst.Name(constant)
        else:
            rest = [a for a in call_cst.args[1:] if a is not flags_cst]
            if rest:
                rest[-1] = rest[-1].with_changes(comma=call_cst.args[-1].comma)
            replacement = call_cst.with_changes(
                func=cst.Attribute(value=cst.Name(constant), attr=cst.Name(method)), args=rest
            )
        fctx.replace_scope(replace_nodes(fctx.cst_module, {id(call_cst): replacement}).code)
        return fctx.build(self.fix_title or "", self.fix_applicability)


def _first_line(statement: ast.stmt) -> int:
    """First line of a statement, its decorators included."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", None) or []
    return min([statement.lineno, *(d.lineno for d in decorators)])
