"""Showing long text on a terminal: Markdown rendered by rich, through a pager when it is longer than the screen.

Only for an interactive terminal: when standard output is a pipe or a file, the text is written as it
is (plain Markdown, no escape codes), so `review-ls explain RV201 | grep ...` and redirections work.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from typing import TextIO

# `less` options when the user has set none: keep colours (-R), quit when the text fits (-F), keep it on screen after quitting (-X).
DEFAULT_LESS_OPTIONS = "-FRX"


def render_markdown(markdown: str, width: int) -> str:
    """The Markdown rendered for a colour terminal of `width` columns (ANSI escape codes included)."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(width=width, force_terminal=True, color_system="standard", legacy_windows=False)
    with console.capture() as captured:
        console.print(Markdown(markdown, code_theme="ansi_dark"))
    return captured.get()


def show_markdown(markdown: str, out: TextIO) -> None:
    """Write Markdown to `out`: rendered (and paged when taller than the screen) on a terminal, else as it is."""
    if not _is_terminal(out):
        out.write(markdown)
        return
    size = shutil.get_terminal_size()
    rendered = render_markdown(markdown, size.columns)
    if rendered.count("\n") < size.lines or not page(rendered):
        out.write(rendered)


def page(text: str) -> bool:
    """Show `text` in the user's pager ($PAGER, else `less`); False if there is no pager to run."""
    command = shlex.split(os.environ.get("PAGER") or "less")
    if not command or shutil.which(command[0]) is None:
        return False
    environment = {**os.environ, "LESS": os.environ.get("LESS", DEFAULT_LESS_OPTIONS)}
    try:
        subprocess.run(command, input=text, text=True, env=environment, check=False)
    except OSError:
        return False
    return True


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False
