"""`python -m review_ls.server [--tcp HOST:PORT] [--log-level LEVEL]` runs the language server."""

from __future__ import annotations

import argparse

from review_ls.server import serve

parser = argparse.ArgumentParser(prog="python -m review_ls.server", description="Run the review-ls language server.")
parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP socket instead of stdio")
parser.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
arguments = parser.parse_args()
raise SystemExit(serve(tcp=arguments.tcp, log_level=arguments.log_level))
