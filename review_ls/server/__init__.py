"""The language server (`review-ls serve`): the pygls adapter over the engine. The only package that imports pygls."""

from __future__ import annotations

import logging
import sys
import warnings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve(tcp: str | None = None, log_level: str = "info") -> int:
    """Run the language server on stdio (or on a TCP socket, `HOST:PORT`) until the client exits; return the exit code."""
    configure_logging(log_level)
    if not tcp:
        from review_ls.server.stdio_start import serve_stdio

        serve_stdio(sys.stdin.buffer, sys.stdout.buffer)
        return 0
    host, _, port = tcp.rpartition(":")
    if not port.isdigit():
        logging.getLogger(__name__).error("--tcp expects HOST:PORT, got %r", tcp)
        return 2
    from review_ls.server.app import create_server

    create_server().start_tcp(host or "127.0.0.1", int(port))
    return 0


def configure_logging(level: str) -> None:
    """Log to stderr (stdout carries the protocol); keep pygls's per-message logging quiet unless debugging."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("review_ls").setLevel(level.upper())
    logging.getLogger("pygls").setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    # VS Code cancels requests that already finished on nearly every edit; pygls warns about each.
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.DEBUG if level == "debug" else logging.ERROR)
    # Analyses parse on worker threads; `warnings.catch_warnings` is not thread-safe, so silence
    # the compiler's warnings about the analysed code (invalid escapes...) once, for the process.
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
