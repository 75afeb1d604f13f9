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


def turn_jedi_off() -> None:
    """Give every rule that has a jedi budget 0 in every configuration this process reads from now on."""
    configured = Settings.options_for

    def options_without_jedi(settings: Settings, code: str) -> dict[str, Any]:
        options = configured(settings, code)
        rule = rule_class(code)
        if rule is not None and any(option.name == JEDI_BUDGET_OPTION for option in rule.options):
            options[JEDI_BUDGET_OPTION] = 0
        return options

    Settings.options_for = options_without_jedi  # type: ignore[method-assign, assignment]


def main(argv: list[str]) -> int:
    """Run the `review-ls` command (`cli.run`, as `python -m review_ls` does) with `argv`, jedi off."""
    turn_jedi_off()
    sys.argv = ["review-ls", *argv]
    return cli.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
