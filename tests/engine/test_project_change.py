"""A project change (another file's facts updated in the index) re-walks the document in the settling pass, not in the key's fast pass."""

from __future__ import annotations

from typing import Any

import pytest

import review_ls.engine.analysis as analysis
import review_ls.engine.incremental as incremental
from review_ls.engine.analysis import analyse_source
from review_ls.engine.incremental import AnalysisCancelled, IncrementalAnalyser
from review_ls.project.index import ProjectIndex

HELPERS = "def fetch():\n    return 1\n"
BLOCKING_HELPERS = "import time\n\n\ndef fetch():\n    time.sleep(1)\n"
OTHERS = "".join(f"\n\ndef other_{i}():\n    return {i}\n" for i in range(30))
APP = f"import helpers\n\n\nasync def handler():\n    return helpers.fetch()\n{OTHERS}"


def _project() -> ProjectIndex:
    project = ProjectIndex()
    project.update_file("/p/helpers.py", HELPERS)
    project.update_file("/p/app.py", APP)
    return project


def _counting_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the segments walked (the fast and the settling pass both walk through `_walked`)."""
    walked: list[int] = []
    original = incremental._walked

    def counting(segment: incremental.Segment, *args: object, **kwargs: object) -> incremental.Segment:
        walked.append(segment.start)
        return original(segment, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental, "_walked", counting)
    return walked


def test_a_key_after_a_project_change_walks_only_what_it_edited(monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project()
    analyser = IncrementalAnalyser("/p/app.py")
    assert analyser.analyse(APP, None, project).findings == ()
    project.update_file("/p/helpers.py", BLOCKING_HELPERS)
    walked = _counting_walks(monkeypatch)
    edited = APP.replace("return 17", "return 17 + 1")
    analyser.analyse(edited, None, project, settle=False)
    assert len(walked) == 1, "the fast pass walks the edited function only, though the project changed"
    assert analyser.needs_settling, "findings of the other statements were found with the old project"
    settled = analyser.analyse(edited, None, project)
    assert settled == analyse_source(edited, "/p/app.py", None, project)
    assert [finding.code for finding in settled.findings] == ["RV302"], "the helper now blocks: the settling pass finds it"


def test_the_same_text_under_a_changed_project_settles_without_parsing_again(monkeypatch: pytest.MonkeyPatch) -> None:
    project = _project()
    analyser = IncrementalAnalyser("/p/app.py")
    analyser.analyse(APP, None, project)
    project.update_file("/p/helpers.py", BLOCKING_HELPERS)
    parsed: list[str] = []
    original_parse = analysis.parse_module

    def counting_parse(source: str, *args: Any) -> Any:
        parsed.append(source)
        return original_parse(source, *args)

    monkeypatch.setattr(incremental, "parse_module", counting_parse)
    assert analyser.analyse(APP, None, project, settle=False).findings == (), "the re-analysis a project change asks for is quick"
    assert analyser.needs_settling
    assert analyser.analyse(APP, None, project) == analyse_source(APP, "/p/app.py", None, project)
    assert parsed == [], "the segments' nodes are walked again; the text did not change"
    assert not analyser.needs_settling


def test_settling_a_project_change_stops_when_asked_and_settles_later() -> None:
    project = _project()
    analyser = IncrementalAnalyser("/p/app.py")
    analyser.analyse(APP, None, project)
    project.update_file("/p/helpers.py", BLOCKING_HELPERS)
    fast = analyser.analyse(APP, None, project, settle=False)
    with pytest.raises(AnalysisCancelled):
        analyser.analyse(APP, None, project, should_stop=lambda: True)
    assert analyser.needs_settling and analyser.analyse(APP, None, project, settle=False) == fast
    assert analyser.analyse(APP, None, project) == analyse_source(APP, "/p/app.py", None, project)


def test_changed_settings_still_analyse_the_whole_text() -> None:
    from review_ls.config import Settings

    project = _project()
    analyser = IncrementalAnalyser("/p/app.py")
    analyser.analyse(APP, None, project)
    project.update_file("/p/helpers.py", BLOCKING_HELPERS)
    settings = Settings(select=("RV302",))
    result = analyser.analyse(APP, settings, project, settle=False)
    assert not analyser.needs_settling and result == analyse_source(APP, "/p/app.py", settings, project)
