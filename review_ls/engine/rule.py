"""The rule API: what a rule declares (code, docs, examples, options) and how it reports.

A rule subscribes to `ast` node types by defining `visit_<NodeType>(self, node, ctx)` methods that
yield findings made with `self.report(...)`. A rule with a fix defines `fix(self, fctx)`, called
lazily (code action resolve, `--fix`) with a `FixContext` (see `fixes.py`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from review_ls.deferred_dataclass import dataclass
from review_ls.engine.model import Applicability, Finding, Fix, RelatedLocation, Severity
from review_ls.engine.project_model import Needs
from review_ls.engine.roles import REVIEWED_CODE, Role

if TYPE_CHECKING:
    from review_ls.engine.fixes import FixContext
    from review_ls.engine.walker import Context


@dataclass(frozen=True)
class RuleDocs:
    """A rule's explanation: what it detects, why it matters, how to fix it."""

    what: str
    why: str
    fix: str

    def markdown(self) -> str:
        """Render the docs as Markdown sections."""
        import textwrap  # (docs and examples are rendered for hover, `explain` and tests, never by a check run)

        return "\n\n".join(
            (
                f"**What it does**\n\n{textwrap.dedent(self.what).strip()}",
                f"**Why it matters**\n\n{textwrap.dedent(self.why).strip()}",
                f"**How to fix it**\n\n{textwrap.dedent(self.fix).strip()}",
            )
        )


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag: exactly on `line` and the `also` lines (1-based, in the dedented code).

    Nothing else may be reported. `message` is the expected message of the finding on `line` and
    `fixed` the expected code after its fix. `files` are other files of the example's project
    (path, code), for rules that read the project index.
    """

    code: str
    line: int
    fixed: str | None = None
    path: str = "example.py"
    message: str | None = None
    also: tuple[int, ...] = ()
    files: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        """The example's code, dedented."""
        return dedent_example(self.code)

    @property
    def fixed_source(self) -> str | None:
        """The expected fixed code, dedented."""
        return None if self.fixed is None else dedent_example(self.fixed)

    @property
    def lines(self) -> tuple[int, ...]:
        """Every line the rule must report on, in order (a line twice for two findings on it)."""
        return tuple(sorted((self.line, *self.also)))

    def project_sources(self) -> dict[str, str]:
        """Every file of the example's project, dedented, by path (just the example without `files`)."""
        return {**{path: dedent_example(code) for path, code in self.files}, self.path: self.source}


@dataclass(frozen=True)
class Valid:
    """Code the rule must not flag (given as a plain string in `Rule.valid`, or with a path and other files)."""

    code: str
    path: str = "example.py"
    files: tuple[tuple[str, str], ...] = ()

    @property
    def source(self) -> str:
        """The example's code, dedented."""
        return dedent_example(self.code)

    def project_sources(self) -> dict[str, str]:
        """Every file of the example's project, dedented, by path (just the example without `files`)."""
        return {**{path: dedent_example(code) for path, code in self.files}, self.path: self.source}


@dataclass(frozen=True)
class Option:
    """A per-rule setting, configured under `[tool.review-ls.options.<CODE>]`."""

    name: str
    default: Any
    description: str

    def coerce(self, value: object) -> object:
        """Return `value` if it has the type of the default, else raise ValueError."""
        expected = type(self.default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if expected is tuple and isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ValueError(f"expected {expected.__name__}, got {type(value).__name__}")
        return value


def dedent_example(code: str) -> str:
    """Dedent an example written as an indented triple-quoted string."""
    import textwrap

    text = textwrap.dedent(code)
    if text.startswith("\n"):
        text = text[1:]
    return text


class Rule:
    """Base class of every rule. Subclasses set the class attributes and define visit methods."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    docs: ClassVar[RuleDocs]
    severity: ClassVar[Severity] = Severity.WARNING
    needs: ClassVar[frozenset[Needs]] = frozenset()
    # The file roles the rule reviews; the walker skips it in files of other roles (see engine/roles.py).
    applies_to: ClassVar[frozenset[Role]] = REVIEWED_CODE
    # Why the rule is at hint severity or off by default (its precision on real applications), shown in its docs.
    precision_note: ClassVar[str | None] = None
    # False: a default run leaves the rule off (like ruff's rules outside its default selection);
    # `select = ["ALL"]`, a prefix or its code, or `extend-select` enables it. `precision_note` says why.
    default_enabled: ClassVar[bool] = True
    fix_title: ClassVar[str | None] = None
    fix_applicability: ClassVar[Applicability] = Applicability.SAFE
    options: ClassVar[tuple[Option, ...]] = ()
    # The callee names (`f` of `f(...)` and of `obj.f(...)`) of the only calls `visit_Call` can report on; the walker
    # does not dispatch other calls to it (None: every call). Set it only where `visit_Call` returns at once for any other name.
    # A bare name imported under another name counts by the last part of what it imports (`env_get(...)` after
    # `from os import getenv as env_get` is a call by `getenv`), so a rule that resolves callees through the imports
    # (`ctx.qualified_name`) may name the last parts of the qualified names it looks for.
    call_names: ClassVar[frozenset[str] | None] = None
    valid: ClassVar[tuple[str | Valid, ...]] = ()
    invalid: ClassVar[tuple[Invalid, ...]] = ()

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        values = {option.name: option.default for option in self.options}
        values.update(options or {})
        self.config: dict[str, Any] = values

    @classmethod
    def fixable(cls) -> bool:
        """True when the rule offers a rewrite (not only advice)."""
        return cls.fix_title is not None

    @classmethod
    def valid_examples(cls) -> tuple[Valid, ...]:
        """The VALID examples as `Valid` objects."""
        return tuple(v if isinstance(v, Valid) else Valid(v) for v in cls.valid)

    def report(
        self,
        node: ast.AST,
        ctx: Context,
        *,
        data: Mapping[str, Any] | None = None,
        related: tuple[RelatedLocation, ...] = (),
        fixable: bool | None = None,
        severity: Severity | None = None,
        unnecessary: bool = False,
        **message_args: Any,
    ) -> Finding:
        """Make a finding at `node`; `message_args` fill the placeholders of `message` and `fix_title`."""
        can_fix = self.fixable() if fixable is None else fixable
        title = self.fix_title.format(**message_args) if (can_fix and self.fix_title) else None
        return Finding(
            code=self.code,
            name=self.name,
            message=self.message.format(**message_args),
            span=ctx.lines.node_span(node),
            severity=severity or self.severity,
            statement_line=ctx.statement_line(node),
            fixable=can_fix,
            fix_title=title,
            data=tuple(sorted((data or {}).items())),
            related=related,
            unnecessary=unnecessary,
            node_type=type(node).__name__,
        )

    def fix(self, fctx: FixContext) -> Fix | None:
        """Compute the rewrite for a finding of this rule (None when it cannot be fixed here)."""
        return None

    def iter_visitors(self) -> Iterator[tuple[type[ast.AST], Any]]:
        """Yield (node type, bound visit method) for each `visit_<NodeType>` the rule defines."""
        for attribute in dir(type(self)):
            if attribute.startswith("visit_"):
                node_type = getattr(ast, attribute[len("visit_") :], None)
                if not (isinstance(node_type, type) and issubclass(node_type, ast.AST)):
                    raise TypeError(f"{type(self).__name__}.{attribute}: ast has no node type {attribute[6:]!r}")
                yield node_type, getattr(self, attribute)
