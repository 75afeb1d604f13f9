"""benchmarks/cache_incremental.py: its "single-file" row runs only rules that need no project index."""

from __future__ import annotations

from benchmark_modules import load_benchmark  # same folder: pytest puts it on sys.path

from review_ls.cli import build_parser, uses_project_index
from review_ls.config import Settings
from review_ls.rules import codes_needing_project, known_codes

cache_incremental = load_benchmark("cache_incremental")


def _settings_of(options: list[str]) -> Settings:
    """The default settings with the rule options of a `review-ls check` command line applied."""
    args = build_parser().parse_args(["check", *options])
    return Settings().with_overrides(select=_codes(args.select) or None, ignore=_codes(args.ignore), extend_select=_codes(args.extend_select))


def _codes(option: str | None) -> list[str]:
    """The comma-separated codes of an option (none when it is absent)."""
    return [code.strip() for code in option.split(",")] if option else []


def test_the_single_file_row_needs_no_project_index() -> None:
    settings = _settings_of(cache_incremental.single_file_options())
    assert not uses_project_index({settings})
    assert not any(settings.is_enabled(code) for code in codes_needing_project())


def test_the_single_file_row_keeps_the_default_single_file_rules() -> None:
    default = Settings()
    settings = _settings_of(cache_incremental.single_file_options())
    single_file_defaults = {code for code in known_codes() - codes_needing_project() if default.is_enabled(code)}
    assert single_file_defaults
    assert {code for code in known_codes() if settings.is_enabled(code)} == single_file_defaults
