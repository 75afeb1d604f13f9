"""`python -m review_ls` runs the command-line interface."""

from review_ls.cli import run

raise SystemExit(run())
