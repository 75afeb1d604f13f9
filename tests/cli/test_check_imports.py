"""Start-up of `review-ls check`: a run loads what it uses and nothing else (benchmarks/startup.py times it).

Pre-commit hooks start `check` for a handful of files many times a day: the process pools, the
result cache, git, the rule docs, attrs, OpenSSL and the rules a run leaves off must not load then,
nor the fix machinery (text output prints no fixes), jedi's adapter, the TOML parser (no
pyproject.toml), logging, or the project model's derived views (call graph, summaries, duplicate
models) that no rule asked for.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from review_ls.project.ahead import MODEL_MODULES
from review_ls.rules import default_off_codes

PROGRAM = """
import contextlib, io, sys
from review_ls.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code)
print("\\n".join(sorted(sys.modules)))
"""
NOT_NEEDED = (
    "multiprocessing",
    "concurrent.futures.process",
    "attrs",
    "attr",
    "_hashlib",
    "ctypes",
    "subprocess",
    "difflib",
    "libcst.",  # (the lazy `libcst` placeholder is there; no libcst module is loaded)
    "jedi",
    "review_ls.cache",
    "review_ls.gitdiff",
    "review_ls.docs",
    "review_ls.writer",
    "review_ls.output.unified_diff",
    "review_ls.worker_lifetime",
    "review_ls.engine.fixes",
    "review_ls.engine.import_place",
    "review_ls.project.jedi_adapter",
    "review_ls.engine.newer_syntax",  # (names newer syntax in a file that does not parse)
    "review_ls.patterns.attributes",  # (RV506 reads a class's attributes only when it grows a history-like list)
    "pkgutil",  # (only `all_rules` walks the rule packages)
    "concurrent.futures",
    "logging",
    "tomllib",
    "textwrap",
)
# Derived from the index on first use (exact names: `review_ls.project.taint_facts` is extracted per file).
DERIVED_ON_FIRST_USE = frozenset(
    {
        "review_ls.project.call_graph",
        "review_ls.project.client_summary",
        "review_ls.project.duplicates",
        "review_ls.project.model_update",
        "review_ls.project.per_invocation",
        "review_ls.project.query_summary",
        "review_ls.project.state_summary",
        "review_ls.project.taint",
    }
)


def _loaded_by(*arguments: str, cwd: Path) -> tuple[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROGRAM, *arguments], capture_output=True, text=True, check=True, cwd=cwd).stdout.split()
    return out[0], out[1:]


def test_checking_one_small_file_loads_no_pools_cache_git_docs_or_rules_that_are_off(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text('import os\n\n\ndef timeout() -> str:\n    return os.getenv("TIMEOUT", "10")\n', encoding="utf-8")
    exit_code, loaded = _loaded_by("check", "--no-cache", "small.py", cwd=tmp_path)
    assert exit_code == "0"
    assert "review_ls.project.index" in loaded, "default rules read the project: the index is built"
    assert [name for name in loaded if name.startswith(NOT_NEEDED)] == []
    assert sorted(DERIVED_ON_FIRST_USE.intersection(loaded)) == [], "no rule asked for the call graph, summaries or duplicates"
    rule_modules = {name.rsplit(".", 1)[1][:5].upper() for name in loaded if name.startswith("review_ls.rules.") and ".rv" in name}
    assert rule_modules and not rule_modules & default_off_codes()


def test_the_rules_a_run_selects_are_the_ones_loaded(tmp_path: Path) -> None:
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    exit_code, loaded = _loaded_by("check", "--no-cache", "--select", "RV203,RV801", "small.py", cwd=tmp_path)
    assert exit_code == "0"
    assert sorted(name.rsplit(".", 1)[1][:5].upper() for name in loaded if name.startswith("review_ls.rules.") and ".rv" in name) == ["RV203", "RV801"]
    assert "review_ls.project.index" not in loaded, "no selected rule reads the project"


def test_the_call_graph_loads_when_a_rule_asks_for_it(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("import time\n\n\ndef pause() -> None:\n    time.sleep(1)\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("from helpers import pause\n\n\nasync def handler() -> None:\n    pause()\n", encoding="utf-8")
    exit_code, loaded = _loaded_by("check", "--no-cache", "--select", "RV302", ".", cwd=tmp_path)
    assert exit_code == "1", "RV302 follows handler -> pause -> time.sleep through the call graph"
    assert "review_ls.project.call_graph" in loaded


def test_a_pyproject_toml_is_read_when_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.review-ls]\nselect = ["RV801"]\n', encoding="utf-8")
    (tmp_path / "small.py").write_text("x = 1\n", encoding="utf-8")
    exit_code, loaded = _loaded_by("check", "--no-cache", "small.py", cwd=tmp_path)
    assert exit_code == "0"
    assert "tomllib" in loaded or "tomli" in loaded
    assert [name.rsplit(".", 1)[1][:5].upper() for name in loaded if name.startswith("review_ls.rules.") and ".rv" in name] == ["RV801"]


def test_the_server_loads_ahead_every_model_module_that_check_loads_on_first_use() -> None:
    """The server imports them once it is initialized (project/ahead.py), not inside the first analysis of a document."""
    assert DERIVED_ON_FIRST_USE <= set(MODEL_MODULES)
    program = "import sys\nfrom review_ls.project.ahead import load_model_modules\nload_model_modules()\nprint('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout.split()
    assert set(MODEL_MODULES) <= set(loaded)
    assert [name for name in loaded if name.startswith("jedi")] == [], "jedi loads only for the rules that infer types"


def test_checking_a_clean_file_defines_only_the_dataclasses_it_makes(tmp_path: Path) -> None:
    """Defining a dataclass compiles its methods (~0.3 ms each): the classes of findings, fixes and facts no file had stay deferred."""
    (tmp_path / "small.py").write_text('import os\n\n\ndef timeout() -> str:\n    return os.getenv("TIMEOUT", "10")\n', encoding="utf-8")
    program = PROGRAM.replace(
        'print("\\n".join(sorted(sys.modules)))',
        'print("\\n".join(sorted(f"{m.__name__}.{c.__qualname__}" for m in list(sys.modules.values()) if m.__name__.startswith("review_ls.") '
        'for c in vars(m).values() if isinstance(c, type) and c.__module__ == m.__name__ and "__deferred_dataclass__" in c.__dict__)))',
    )
    out = subprocess.run([sys.executable, "-c", program, "check", "--no-cache", "small.py"], capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert out[0] == "0"
    deferred = set(out[1:])
    assert {"review_ls.engine.model.Finding", "review_ls.engine.model.Fix", "review_ls.engine.model.TextEdit"} <= deferred
    assert "review_ls.config.Settings" not in deferred, "a run makes settings: its class is defined"
    assert len(deferred) >= 25
