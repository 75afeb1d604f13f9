"""RV302 against the peer suites' labels (issue #14): path string work is no I/O, `_joinrealpath` is,
and `urlopen` that nothing binds is urllib's."""

from __future__ import annotations

import pytest

from review_ls import analyse_source
from review_ls.config import Settings


def _messages(source: str, metadata_checks: bool = True) -> list[tuple[int, str]]:
    options = (("RV302", (("report-metadata-checks", metadata_checks),)),)
    findings = analyse_source(source, "service/m.py", Settings(select=("RV302",), options=options)).findings
    return [(f.span.line, f.message.split("(", 1)[0]) for f in findings]


@pytest.mark.parametrize("call", ["os.path.abspath('x')", "os.path.relpath('x')", "os.path.normpath('x')", "os.path.samestat(a, b)"])
def test_path_string_work_is_not_reported_even_with_metadata_checks(call: str) -> None:
    source = f"import os\n\n\nasync def f(a, b):\n    return {call}\n"
    assert _messages(source) == []


def test_joinrealpath_reads_links_like_realpath() -> None:
    source = "import os\n\n\nasync def f():\n    os.path._joinrealpath('', 'x', False, {})\n    os.path.realpath('x')\n"
    assert _messages(source) == [(5, "os.path._joinrealpath"), (6, "os.path.realpath")]


def test_unbound_urlopen_is_urllibs() -> None:
    source = "import urllib\n\n\nasync def f():\n    request.urlopen('https://x')\n    urlopen('https://x')\n"
    assert _messages(source, metadata_checks=False) == [(5, "urllib.request.urlopen"), (6, "urllib.request.urlopen")]


@pytest.mark.parametrize(
    "source",
    [
        "async def f(urlopen, request):\n    urlopen('x')\n    request.urlopen('x')\n",
        "async def f():\n    urlopen = make_opener()\n    urlopen('x')\n",
        "async def f():\n    def urlopen(url):\n        return url\n    urlopen('x')\n",
        "def urlopen(url):\n    return url\n\n\nasync def f():\n    urlopen('x')\n",
        "request = make_session()\n\n\nasync def f():\n    request.urlopen('x')\n",
        "from flask import request\n\n\nasync def f():\n    request.urlopen('x')\n",
        "from app.http import urlopen\n\n\nasync def f():\n    urlopen('x')\n",
    ],
)
def test_urlopen_the_code_binds_is_not_urllibs(source: str) -> None:
    assert _messages(source, metadata_checks=False) == []


def test_name_an_enclosing_function_binds_is_not_the_builtin_or_urllibs() -> None:
    source = (
        "def routes(opener, ask):\n    urlopen = opener.open\n    input = ask\n\n"
        "    async def fetch(url):\n        input('go?')\n        return urlopen(url)\n\n    return fetch\n"
    )
    assert _messages(source, metadata_checks=False) == []
