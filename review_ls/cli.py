"""The command line: `review-ls check | fix | serve | rules | explain`. A thin layer over the engine.

Exit codes: 0 no findings, 1 findings (or changes with --diff), 2 usage, configuration or read errors.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from review_ls import __version__
from review_ls.config import ConfigError, ConfigResolver, validate_selectors
from review_ls.engine.rule import Rule
from review_ls.files import discover_python_files

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """A problem with the command line itself; `str()` is the one-line reason."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="review-ls", description="Review Python code the way a senior reviewer does.")
    parser.add_argument("--version", action="version", version=f"review-ls {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="report findings (and optionally fix them)")
    _add_check_arguments(check)
    fix = commands.add_parser("fix", help="apply safe fixes in place (same as `check --fix`)")
    _add_check_arguments(fix)

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
    serve.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))

    rules = commands.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = commands.add_parser("explain", help="show a rule's documentation and examples")
    explain.add_argument("rule", metavar="CODE", help="a rule code (RV201) or name (client-in-loop)")
    return parser


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    from review_ls.output import FORMATTERS

    parser.add_argument("paths", nargs="*", type=Path, default=[Path(".")], metavar="PATH", help="files or folders (default: .)")
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the configured select)")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to disable (added to the configured ignore)")
    parser.add_argument("--format", choices=sorted(FORMATTERS), default="text", help="output format (default: text)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes marked unsafe")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and change nothing")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: all cores)")
    parser.add_argument("--output-file", "-o", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in ("check", "fix"):
            return run_check(args, fix=args.command == "fix" or args.fix)
        if args.command == "serve":
            from review_ls.server import serve

            return serve(tcp=args.tcp, log_level=args.log_level)
        if args.command == "rules":
            print(render_rules_table(args.format), end="")
            return EXIT_CLEAN
        if args.command == "explain":
            print(explain_rule(args.rule), end="")
            return EXIT_CLEAN
    except (ConfigError, UsageError) as exc:
        print(f"review-ls: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("review-ls: interrupted", file=sys.stderr)
        return 130
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _codes(option: str | None, origin: str) -> list[str] | None:
    if option is None:
        return None
    try:
        return validate_selectors(option.split(","), origin)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run_check(args: argparse.Namespace, fix: bool) -> int:
    """`review-ls check`: discover files, analyse them in parallel, print the report."""
    from review_ls.output import FORMATS_WITH_FIXES, FORMATTERS
    from review_ls.runner import FileTask, check_files

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if fix and args.diff:
        raise UsageError("--fix and --diff cannot be combined")
    select = _codes(args.select, "--select")
    ignore = _codes(args.ignore, "--ignore") or []
    resolver = ConfigResolver()
    try:
        files = list(discover_python_files(args.paths, resolver))
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if not files:
        print(f"review-ls: warning: no Python files found under {', '.join(map(str, args.paths))}", file=sys.stderr)
        return EXIT_CLEAN
    mode = "fix" if fix else ("diff" if args.diff else "check")
    tasks = [
        FileTask(
            path=str(path),
            settings=resolver.config_for(path).settings_for(path).with_overrides(select=select, ignore=ignore),
            mode=mode,
            unsafe_fixes=args.unsafe_fixes,
            with_fixes=args.format in FORMATS_WITH_FIXES,
        )
        for path in files
    ]
    reports = list(check_files(tasks, jobs=args.jobs))
    errors = [r for r in reports if r.error]
    for report in errors:
        print(f"review-ls: error: {report.path}: {report.error}", file=sys.stderr)
    if mode == "diff":
        diff = "".join(r.diff for r in reports)
        _emit(diff, args.output_file)
        changed = sum(1 for r in reports if r.diff)
        print(f"Would fix {sum(r.fixed_count for r in reports)} findings in {changed} files.", file=sys.stderr)
        return EXIT_ERROR if errors else (EXIT_FINDINGS if changed else EXIT_CLEAN)
    if mode == "fix":
        fixed = sum(r.fixed_count for r in reports)
        if fixed:
            print(f"Fixed {fixed} finding{'s' if fixed != 1 else ''}.", file=sys.stderr)
    _emit(FORMATTERS[args.format]([r for r in reports if not r.error]), args.output_file)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if any(r.findings for r in reports) else EXIT_CLEAN


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
    else:
        output_file.write_text(text, encoding="utf-8")


def render_rules_table(output_format: str = "text") -> str:
    """The rule table: code, name, fixable, default severity (text or JSON)."""
    from review_ls.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        import json

        rows = [
            {"code": r.code, "name": r.name, "fixable": r.fixable(), "severity": r.severity.value, "kind": r.kind}
            for r in rules
        ]
        return json.dumps(rows, indent=2) + "\n"
    width = max(len(r.name) for r in rules)
    lines = [f"{'code':<6}  {'name':<{width}}  {'fix':<4}  severity"]
    for r in rules:
        lines.append(f"{r.code:<6}  {r.name:<{width}}  {'yes' if r.fixable() else '-':<4}  {r.severity.value}")
    return "\n".join(lines) + "\n"


def explain_rule(code_or_name: str) -> str:
    """A rule's documentation and examples as Markdown-ish text."""
    from review_ls.rules import rule_class

    rule = rule_class(code_or_name)
    if rule is None:
        raise UsageError(f"unknown rule {code_or_name!r} (see `review-ls rules`)")
    return rule_markdown(rule)


def rule_markdown(rule: type[Rule]) -> str:
    """The full documentation page of a rule: docs, fix, and its VALID/INVALID examples."""
    fix = "yes (" + rule.fix_applicability.value + ")" if rule.fixable() else "advice only"
    parts = [
        f"# {rule.code} {rule.name}",
        f"Default severity: {rule.severity.value}. Fix: {fix}.",
        rule.docs.markdown(),
    ]
    if rule.options:
        options = "\n".join(f"- `{o.name}` (default `{o.default!r}`): {o.description}" for o in rule.options)
        parts.append(f"**Options** (`[tool.review-ls.options.{rule.code}]`)\n\n{options}")
    for example in rule.invalid:
        block = f"**Flagged** (line {example.line})\n\n```python\n{example.source.rstrip()}\n```"
        if example.fixed is not None:
            block += f"\n\nAfter the fix:\n\n```python\n{(example.fixed_source or '').rstrip()}\n```"
        parts.append(block)
    for valid in rule.valid_examples():
        parts.append(f"**Not flagged**\n\n```python\n{valid.source.rstrip()}\n```")
    return "\n\n".join(textwrap.dedent(p).strip() for p in parts) + "\n"
