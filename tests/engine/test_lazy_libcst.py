"""libcst is visible to the type checker but loaded only when a fix needs it (checking never pays for it)."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import sys
import review_ls

source = "import requests\\n\\ndef notify(hooks):\\n    for hook in hooks:\\n        requests.post(hook)\\n"
result = review_ls.analyse_source(source, "app.py")
assert result.findings, "the example has findings"
print("libcst._nodes" in sys.modules)
"""


def test_checking_a_file_does_not_load_libcst() -> None:
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
