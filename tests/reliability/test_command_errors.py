"""A failing command's error, in the response and in the log, quotes at most a bounded slice of its arguments."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError
from pygls.protocol.language_server import _prepare_command_arguments

from review_ls.server.app import _command, create_server
from review_ls.server.commands import EXPLAIN_RULE, shown

_HUGE = "A" * 1_000_000


async def _fails_quoting_its_argument(session: Any, arguments: list[Any]) -> None:
    raise RuntimeError(f"cannot handle {arguments[0]}")


def test_a_failing_command_logs_a_truncated_message_with_the_traceback(caplog: pytest.LogCaptureFixture) -> None:
    run = _command(None, "review-ls.test", _fails_quoting_its_argument)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="review_ls.server.app"), pytest.raises(JsonRpcInternalError) as raised:
        asyncio.run(run(None, _HUGE))  # pygls passes the server first
    assert len(caplog.text) < 5000
    assert "command review-ls.test failed: RuntimeError: cannot handle AAA" in caplog.text
    assert "_fails_quoting_its_argument" in caplog.text  # the traceback is still logged
    assert len(str(raised.value)) < 1000


def test_shown_cuts_a_long_repr_and_says_how_long_it_was() -> None:
    assert shown("RV201") == "'RV201'"
    assert shown(_HUGE).endswith("... (1000002 characters)")
    assert len(shown(_HUGE)) < 120


def test_a_command_gets_exactly_the_client_arguments_on_every_python() -> None:
    # pygls issubclass()-checks a command's first annotation: an `Any` there made every
    # workspace/executeCommand fail with "Invalid Params" on Python 3.10, and `object` made pygls pass
    # the server as the first argument. This takes the arguments the way pygls's executeCommand does.
    server = create_server()
    handler = server.protocol.fm.commands[EXPLAIN_RULE]
    params = types.ExecuteCommandParams(command=EXPLAIN_RULE, arguments=["RV201"])
    arguments, keywords = _prepare_command_arguments(handler, params, server.protocol._converter)
    assert "RV201" in asyncio.run(handler(*arguments, **keywords))
