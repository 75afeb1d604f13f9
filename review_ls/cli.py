"""The command line: `review-ls check | fix | serve | rules | explain | clean`. A thin layer over the engine.

Exit codes: 0 no findings, 1 findings (or changes with --diff), 2 usage, configuration or read errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from review_ls import __version__

# Each command imports what it uses, when it runs: `serve` must reach the server quickly (it answers
# `initialize` before pygls is loaded), and `check` of one file loads no more than it needs.
if TYPE_CHECKING:
    from review_ls.cache import ResultCache
    from review_ls.config import ConfigResolver, Settings
    from review_ls.engine.project_model import ProjectModel
    from review_ls.engine.rule import Rule
    from review_ls.gitdiff import ChangedLines

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

    rules = commands.add_parser(
        "rules",
        help="list the rules (default: on or off in a default run)",
        description='List the rules. Rules off by default run with select = ["ALL"], their code or prefix, or extend-select.',
    )
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = commands.add_parser("explain", help="show a rule's documentation and examples")
    explain.add_argument("rule", metavar="CODE", help="a rule code (RV201) or name (client-in-loop)")

    merge = commands.add_parser("merge-sarif", help="join SARIF logs (e.g. of `check --shard` jobs) into one")
    merge.add_argument("inputs", nargs="+", type=Path, metavar="SARIF", help="SARIF 2.1.0 files to join")
    merge.add_argument("--output-file", "-o", type=Path, metavar="FILE", help="write the joined log to FILE instead of stdout")

    clean = commands.add_parser("clean", help="remove the result cache (.review-ls-cache) of the project")
    clean.add_argument("paths", nargs="*", type=Path, default=[Path(".")], metavar="PATH", help="folders whose project cache to remove (default: .)")
    clean.add_argument("--cache-dir", type=Path, metavar="DIR", help="remove this cache folder instead")
    return parser


def _add_check_arguments(parser: argparse.ArgumentParser) -> None:
    from review_ls.output import FORMAT_MODULES

    parser.add_argument("paths", nargs="*", type=Path, default=[Path(".")], metavar="PATH", help="files or folders (default: .)")
    parser.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the configured select; ALL: every rule)")
    parser.add_argument("--extend-select", metavar="CODES", help="comma-separated codes or prefixes to enable on top of the configured select")
    parser.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to disable (added to the configured ignore)")
    parser.add_argument("--format", choices=sorted(FORMAT_MODULES), default="text", help="output format (default: text)")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes marked unsafe")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff and change nothing")
    parser.add_argument("--fix-through-links", action="store_true", help="with --fix, also rewrite files that symbolic links lead to outside the checked folders")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="keep the result cache in DIR (default: .review-ls-cache at the project root)")
    parser.add_argument("--diff-base", metavar="REV", help="report only findings on lines changed since the merge-base of REV and HEAD (uncommitted changes included)")
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    parser.add_argument("--force-exclude", action="store_true", help="apply exclude settings to files named on the command line too (for pre-commit)")
    parser.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="processes that check files, this one included (default: all cores)")
    parser.add_argument("--output-file", "-o", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--shard", metavar="I/N", help="check only shard I of N (1-based; files split by a stable hash of their project-relative path)")


def run() -> int:
    """The `review-ls` command (and `python -m review_ls`): `main` on the process's arguments, with the collector set for a short process (cli_gc.py)."""
    from review_ls.cli_gc import collect_less_often, skip_exit_collection

    collect_less_often()
    code = main()
    skip_exit_collection()
    return code


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
            from review_ls.terminal import show_markdown

            show_markdown(explain_rule(args.rule), sys.stdout)
            return EXIT_CLEAN
        if args.command == "clean":
            return run_clean(args)
        if args.command == "merge-sarif":
            return run_merge_sarif(args)
    except Exception as exc:
        if not isinstance(exc, _reported_errors()):
            raise
        print(f"review-ls: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("review-ls: interrupted", file=sys.stderr)
        return 130
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _reported_errors() -> tuple[type[Exception], ...]:
    """The errors reported in one line with exit status 2: usage, configuration and git errors."""
    from review_ls.config import ConfigError
    from review_ls.gitdiff import GitDiffError

    return (ConfigError, UsageError, GitDiffError)


def _codes(option: str | None, origin: str) -> list[str] | None:
    if option is None:
        return None
    from review_ls.config import validate_selectors

    try:
        return validate_selectors(option.split(","), origin)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run_check(args: argparse.Namespace, fix: bool) -> int:
    """`review-ls check`: discover files, analyse them in parallel, print the report."""
    from review_ls.config import ConfigResolver, Settings
    from review_ls.files import discover_python_files, links_leaving_the_tree
    from review_ls.output import FORMATS_WITH_FIXES, formatter
    from review_ls.python_target import newer_target_notices
    from review_ls.runner import FileTask, check_files, within_size_limit

    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if fix and args.diff:
        raise UsageError("--fix and --diff cannot be combined")
    if args.diff_base is not None and (fix or args.diff):
        raise UsageError("--diff-base reports findings; it cannot be combined with --fix or --diff")
    if args.statistics and args.format not in ("text", "json"):
        raise UsageError("--statistics prints text or json; use --format text or --format json")
    select = _codes(args.select, "--select")
    extend_select = _codes(args.extend_select, "--extend-select") or []
    ignore = _codes(args.ignore, "--ignore") or []
    resolver = ConfigResolver()
    try:
        files = list(discover_python_files(args.paths, resolver, strict=True))
    except OSError as exc:
        raise UsageError(str(exc)) from None
    if args.force_exclude:
        files = [path for path in files if not resolver.config_for(path).is_excluded(path)]
    if not files:
        print(f"review-ls: warning: no Python files found under {', '.join(map(str, args.paths))}", file=sys.stderr)
        return EXIT_CLEAN
    changed_since_base: ChangedLines | None = None
    if args.diff_base is not None:
        from review_ls.gitdiff import changed_lines

        changed_since_base = changed_lines(args.diff_base, files)
        files = [path for path in files if changed_since_base.touches_file(path)]
    indexed_files = files  # a shard's findings still see the whole tree through the project index
    if args.shard is not None:
        files = _files_of_shard(args.shard, files, resolver)
    for notice in newer_target_notices(files):  # once per project per run
        print(f"review-ls: warning: {notice}", file=sys.stderr)
    mode = "fix" if fix else ("diff" if args.diff else "check")
    leaving = links_leaving_the_tree(files, args.paths) if mode == "fix" and not args.fix_through_links else []
    if leaving:
        raise UsageError(f"{leaving[0][0]} links to {leaving[0][1]}, outside the checked folders; not fixing anything (--fix-through-links allows it)")
    config_by_path = {path: resolver.config_for(path) for path in indexed_files}
    overridden: dict[Settings, Settings] = {}  # a few distinct settings among thousands of files: one object each
    settings_by_path = {}
    for path in indexed_files:
        settings = config_by_path[path].settings_for(path)
        if settings not in overridden:
            overridden[settings] = settings.with_overrides(select=select, ignore=ignore, extend_select=extend_select)
        settings_by_path[path] = overridden[settings]
    use_cache = mode == "check" and not args.no_cache
    needs_index = uses_project_index(set(settings_by_path.values()))
    # With cross-file rules a cache entry also records the facts of other files it read, and holds while
    # they are unchanged (dependency_cache.py); without them, each file's own content and settings key it.
    cache_for = _result_caches(args.cache_dir) if use_cache else None
    tasks = []
    for path in files:
        config = config_by_path[path]
        task = FileTask(
            path=str(path),
            settings=settings_by_path[path],
            mode=mode,
            unsafe_fixes=args.unsafe_fixes,
            with_fixes=args.format in FORMATS_WITH_FIXES and not args.statistics,
            cache=None if cache_for is None else cache_for(config.root),
            max_bytes=config.max_file_size,
        )
        tasks.append(task)

    def indexed_and_entry_points() -> tuple[list[Path], list[str]]:
        indexed = [path for path in indexed_files if within_size_limit(FileTask(str(path), settings_by_path[path], max_bytes=config_by_path[path].max_file_size))]
        return indexed, [entry for config in {config_by_path[path] for path in indexed} for entry in config.entry_points]

    def project_factory() -> ProjectModel | None:
        return index_project(args.paths, *indexed_and_entry_points(), jobs=args.jobs)

    from review_ls.cli_progress import progress_wanted, with_progress

    show_progress = progress_wanted(sys.stderr, args.format, args.output_file is not None)
    if needs_index and any(task.cache is not None for task in tasks):
        from review_ls.dependency_cache import check_with_dependencies

        checked = check_with_dependencies(tasks, *indexed_and_entry_points(), roots=_index_roots(args.paths), jobs=args.jobs)
    else:
        checked = check_files(tasks, jobs=args.jobs, project_factory=project_factory if needs_index else None)
    reports = list(with_progress(checked, len(tasks), sys.stderr, show_progress))
    if changed_since_base is not None:
        reports = [changed_since_base.filter_report(r) for r in reports]
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
    if args.statistics:
        from review_ls.output.statistics_format import render_statistics

        _emit(render_statistics([r for r in reports if not r.error], args.format), args.output_file)
    else:
        _emit(formatter(args.format)([r for r in reports if not r.error]), args.output_file)
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if any(r.findings for r in reports) else EXIT_CLEAN


def _files_of_shard(shard_option: str, files: list[Path], resolver: ConfigResolver) -> list[Path]:
    """The files of the `--shard i/n` given (raise UsageError for a malformed option)."""
    from review_ls.shard import files_in_shard, parse_shard

    try:
        shard = parse_shard(shard_option)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return files_in_shard(files, shard, lambda path: resolver.config_for(path).root)


def uses_project_index(settings: set[Settings]) -> bool:
    """True when any enabled rule needs the project index (cross-file facts or type inference)."""
    from review_ls.rules import codes_needing_project

    return any(s.is_enabled(code) for code in codes_needing_project() for s in settings)


def _index_roots(paths: Sequence[Path]) -> list[Path]:
    """The project roots of the index: the folders given, and the folders of the files given."""
    return [path if path.is_dir() else path.parent for path in paths]


def index_project(paths: Sequence[Path], files: Sequence[Path], entry_points: Sequence[str] = (), jobs: int | None = None) -> ProjectModel:
    """Build the project index over the files being checked (the folders given are the project roots) with the configured entry points."""
    from review_ls.project import ProjectIndex

    index = ProjectIndex.build([str(f) for f in files], _index_roots(paths), jobs)
    index.configure_entry_points(entry_points)
    return index


def _result_caches(cache_dir: Path | None) -> Callable[[Path], ResultCache | None]:
    """A function giving a project root its result cache (None if the cache folder cannot be written)."""
    from review_ls.cache import CACHE_DIR_NAME, open_cache

    opened: dict[Path, ResultCache | None] = {}

    def cache_for(project_root: Path) -> ResultCache | None:
        directory = cache_dir or project_root / CACHE_DIR_NAME
        if directory not in opened:
            try:
                opened[directory] = open_cache(directory)
            except OSError as exc:
                print(f"review-ls: warning: not caching results in {directory}: {exc.strerror or exc}", file=sys.stderr)
                opened[directory] = None
        return opened[directory]

    return cache_for


def run_merge_sarif(args: argparse.Namespace) -> int:
    """`review-ls merge-sarif`: join SARIF logs into one (exit 2 with the reason for an input that is not SARIF)."""
    from review_ls.output.sarif_merge import SarifMergeError, merge_sarif_files

    try:
        _emit(merge_sarif_files(args.inputs), args.output_file)
    except SarifMergeError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_CLEAN


def run_clean(args: argparse.Namespace) -> int:
    """`review-ls clean`: remove the result cache of the projects of the given folders."""
    from review_ls.cache import CACHE_DIR_NAME, remove_cache
    from review_ls.config import ConfigResolver

    resolver = ConfigResolver()
    directories = [args.cache_dir] if args.cache_dir else [resolver.config_for(path).root / CACHE_DIR_NAME for path in args.paths]
    for directory in dict.fromkeys(directories):
        try:
            removed = remove_cache(directory)
        except OSError as exc:
            raise UsageError(f"cannot remove {directory}: {exc.strerror or exc}") from None
        if removed:
            print(f"Removed {directory}", file=sys.stderr)
        elif directory.exists():
            raise UsageError(f"{directory} is not a review-ls cache (it has no review-ls CACHEDIR.TAG); left it alone")
        else:
            print(f"No cache at {directory}", file=sys.stderr)
    return EXIT_CLEAN


def _emit(text: str, output_file: Path | None) -> None:
    if output_file is None:
        sys.stdout.write(text)
    else:
        output_file.write_text(text, encoding="utf-8")


def render_rules_table(output_format: str = "text") -> str:
    """The rule table: code, name, fix kind (safe/unsafe/advice), default severity, on/off by default (text or JSON)."""
    from review_ls.docs import fix_kind
    from review_ls.rules import all_rules

    rules = all_rules()
    if output_format == "json":
        import json

        rows = [
            {
                "code": r.code,
                "name": r.name,
                "fixable": r.fixable(),
                "fix": fix_kind(r),
                "severity": r.severity.value,
                "default": "on" if r.default_enabled else "off",
                "needs": sorted(n.value for n in r.needs),
            }
            for r in rules
        ]
        return json.dumps(rows, indent=2) + "\n"
    width = max(len(r.name) for r in rules)
    lines = [f"{'code':<6}  {'name':<{width}}  {'fix':<6}  {'severity':<11}  default"]
    for r in rules:
        lines.append(f"{r.code:<6}  {r.name:<{width}}  {fix_kind(r):<6}  {r.severity.value:<11}  {'on' if r.default_enabled else 'off'}")
    return "\n".join(lines) + "\n"


def explain_rule(code_or_name: str) -> str:
    """A rule's documentation and examples as Markdown-ish text."""
    from review_ls.docs import rule_markdown
    from review_ls.rules import rule_class

    rule = rule_class(code_or_name)
    if rule is None:
        raise UsageError(f"unknown rule {code_or_name!r} (see `review-ls rules`)")
    return rule_markdown(rule)
