"""`review-ls` as it runs when every rule's jedi budget is 0 (`jedi = false` in each project's configuration), for
benchmarks that compare a check with and without jedi on a corpus whose configuration they do not own:

    python benchmarks/without_jedi.py check PATH ... [OPTIONS]
"""

from __future__ import annotations

import sys
from typing import Any

from review_ls import cli
from review_ls.config import JEDI_BUDGET_OPTION, Settings
from review_ls.rules import rule_class


def main(argv: list[str]) -> int:
    """Run the CLI with `argv`, every rule that has a jedi budget given 0."""
    configured = Settings.options_for

    def options_without_jedi(settings: Settings, code: str) -> dict[str, Any]:
        options = configured(settings, code)
        rule = rule_class(code)
        if rule is not None and any(option.name == JEDI_BUDGET_OPTION for option in rule.options):
            options[JEDI_BUDGET_OPTION] = 0
        return options

    Settings.options_for = options_without_jedi  # type: ignore[method-assign, assignment]
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
