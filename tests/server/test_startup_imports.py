"""Start-up: the server answers `initialize` without importing what only analyses, fixes and the index need.

Editors restart servers and wait for the `initialize` reply; the rules, the project model, the fix
engine (libcst) and jedi load after it (benchmarks/startup.py measures the time).
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("review_ls.project.index", "review_ls.engine.fixes", "review_ls.docs", "libcst", "jedi", "review_ls.rules.")

INITIALIZE = """
import sys
from lsprotocol import types
from review_ls.server.app import create_server

server = create_server()
steps = server.protocol.lsp_initialize(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri="file:///tmp"))
handler, arguments, _ = next(steps)  # pygls's own part, then the server's initialize handler
handler(*arguments)
try:
    next(steps)
except StopIteration as done:
    assert done.value.capabilities.text_document_sync is not None  # the reply
print("\\n".join(sorted(sys.modules)))
"""


def _modules_after(program: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.split()


def test_answering_initialize_loads_no_rules_index_or_fix_engine() -> None:
    loaded = _modules_after(INITIALIZE)
    assert "review_ls.server.session" in loaded, "the program ran"
    assert [name for name in loaded if name.startswith(HEAVY)] == []


def test_importing_the_package_loads_only_the_package() -> None:
    loaded = _modules_after("import sys, review_ls\nprint('\\n'.join(sorted(sys.modules)))")
    assert [name for name in loaded if name.startswith("review_ls")] == ["review_ls"]


def test_the_public_api_is_there_on_first_use() -> None:
    program = "import review_ls\nprint(review_ls.analyse_source('x = 1\\n', 'm.py').findings, review_ls.Rule.__name__, 'Fix' in dir(review_ls))"
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["()", "Rule", "True"]
