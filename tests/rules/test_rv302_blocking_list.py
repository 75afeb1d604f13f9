"""RV302's flake8-async parity: sync HTTP, client objects, subprocess, files, os.path, input; shadowed builtins are not the builtin."""

from __future__ import annotations

import pytest

from review_ls import analyse_source
from review_ls.config import Settings


def _lines(source: str, metadata_checks: bool = False) -> list[int]:
    options = (("RV302", (("report-metadata-checks", metadata_checks),)),)
    return [f.span.line for f in analyse_source(source, "m.py", Settings(select=("RV302",), options=options)).findings]


@pytest.mark.parametrize(
    "body",
    [
        "httpx.post('https://x')",
        "client = httpx.Client()\n    client.get('/')",
        "urllib3.request('GET', 'https://x')",
        "subprocess.Popen(['ls'])",
        "os.spawnl(os.P_WAIT, 'ls')",
        "os.waitpid(1, 0)",
        "pathlib.Path('x').open()",
        "io.open_code('x')",
        "os.fdopen(0)",
        "os.path.exists('x')",
        "pathlib.Path('x').exists()",
        "input()",
        "s3 = boto3.client('s3')\n    s3.get_object(Bucket='b', Key='k')",
    ],
)
def test_blocking_calls_in_async_def_are_reported(body: str) -> None:
    source = f"import boto3, httpx, io, os, pathlib, subprocess, urllib3\n\nasync def f():\n    {body}\n"
    assert _lines(source, metadata_checks=True) == [source.count("\n") - 0]


@pytest.mark.parametrize("body", ["os.path.exists('x')", "os.path.realpath('x')", "pathlib.Path('x').is_file()", "pathlib.Path('x').resolve()"])
def test_metadata_checks_are_reported_only_with_the_option(body: str) -> None:
    source = f"import os, pathlib\n\nasync def f():\n    {body}\n"
    assert (_lines(source), _lines(source, metadata_checks=True)) == ([], [4])


def test_parameter_typed_as_sync_client_and_file_methods() -> None:
    source = "import httpx\n\nasync def f(client: httpx.Client | None, p):\n    client.send(1)\n    with open(p) as fh:\n        fh.read()\n"
    assert _lines(source) == [4, 5, 6]


def test_local_function_shadowing_open_is_not_the_builtin() -> None:
    source = "async def f():\n    def open():\n        return 1\n    open()\n"
    assert _lines(source) == []


def test_awaited_and_unrelated_methods_are_quiet() -> None:
    source = "import httpx\n\nasync def f():\n    async with httpx.AsyncClient() as c:\n        await c.get('/')\n    d = {}\n    d.get('x')\n"
    assert _lines(source) == []


def test_name_redeclared_with_another_type_is_no_file() -> None:
    source = "import io\n\nasync def f(fh: io.TextIOWrapper):\n    fh: int = 7\n    fh.read()\n"
    assert _lines(source) == []


def test_file_wrapped_for_async_use_is_quiet() -> None:
    source = "import trio\n\nasync def f():\n    async with trio.wrap_file(open('x')) as fh:\n        await fh.read()\n"
    assert _lines(source) == []
