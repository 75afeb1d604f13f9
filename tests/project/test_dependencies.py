"""Which files' facts a file's findings read (`ModuleReach`), which open files an edit affects, and stable digests."""

from __future__ import annotations

import os
import subprocess
import sys

from review_ls.project import ProjectIndex
from review_ls.project.dependencies import ModuleReach, file_digests, files_affected
from review_ls.server.dependents import reindex

SOURCES = {
    "pkg/__init__.py": "from .tts import synthesize\n",
    "pkg/tts.py": "from .http import post\n\n\ndef synthesize(text):\n    return post(text)\n",
    "pkg/http.py": "import time\n\n\ndef post(text):\n    return text\n",
    "routes.py": "from pkg import synthesize\n\n\nasync def speak(text):\n    return synthesize(text)\n",
    "other.py": "def ping():\n    return 1\n",
}


def test_reach_follows_calls_re_exports_and_imports_transitively() -> None:
    reach = ModuleReach(ProjectIndex.from_sources(SOURCES))
    assert reach.reach("routes.py") == {"routes.py", "pkg/__init__.py", "pkg/tts.py", "pkg/http.py"}
    assert reach.reach("pkg/http.py") == {"pkg/http.py"}
    assert reach.reach("other.py") == {"other.py"}


def test_files_affected_by_a_call_fact_change_are_the_files_that_reach_it() -> None:
    index = ProjectIndex.from_sources(SOURCES)
    opened = ("routes.py", "other.py", "pkg/tts.py")
    affected = reindex(index, {"pkg/http.py": "import time\n\n\ndef post(text):\n    time.sleep(1)\n"}, (), opened)
    assert affected == {"routes.py", "pkg/tts.py"}, "other.py does not reach pkg/http.py"


def test_an_edit_that_changes_no_fact_affects_nothing() -> None:
    index = ProjectIndex.from_sources(SOURCES)
    assert reindex(index, {"other.py": "def ping():\n    return 2\n"}, (), ("routes.py", "other.py")) is None


def test_a_shared_fact_change_affects_every_open_file() -> None:
    index = ProjectIndex.from_sources(SOURCES)
    before = {path: ModuleReach(index).reach(path) for path in ("routes.py", "pkg/tts.py")}
    assert files_affected(before, ModuleReach(index), "other.py", shared_changed=True) == {"routes.py", "pkg/tts.py"}
    affected = reindex(index, {"other.py": "import json\n\n\ndef ping():\n    return 1\n"}, (), ("routes.py", "pkg/tts.py", "other.py"))
    assert affected == {"routes.py", "pkg/tts.py", "other.py"}


_DIGESTS = (
    "from review_ls.project import ProjectIndex\n"
    "from review_ls.project.dependencies import file_digests\n"
    "index = ProjectIndex.from_sources({'m.py': 'import numpy\\nfrom pydantic import BaseModel\\n\\n\\nclass A(BaseModel):\\n    a: int | None = None\\n    b: str\\n'})\n"
    "print(file_digests(index, ['m.py'])['m.py'])\n"
)


def test_digests_are_the_same_in_every_process() -> None:
    """Frozensets and `hash()` differ between processes (PYTHONHASHSEED): the digests must not."""
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outputs.add(subprocess.run([sys.executable, "-c", _DIGESTS], capture_output=True, text=True, check=True, env=env).stdout)
    assert len(outputs) == 1
    index = ProjectIndex.from_sources({"m.py": "x = 1\n"})
    reached, shared = file_digests(index, ["m.py"])["m.py"]
    assert len(reached) == len(shared) == 64
