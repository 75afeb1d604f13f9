"""Output formats of `review-ls check`: SARIF (against the official schema), GitHub, JSON Lines, JUnit, GitLab,
and `--statistics`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from review_ls.cli import main
from review_ls.engine.model import Finding, Severity, Span
from review_ls.output import FORMAT_MODULES
from review_ls.output.github_format import annotation, escape_data, escape_property
from review_ls.output.junit_format import xml_safe

# The SARIF 2.1.0 schema as shipped by Microsoft's SARIF SDK (npm @microsoft/sarif-multitool-linux 5.7.0,
# file sarif-2.1.0.json), vendored unchanged: see tests/data/README.md.
SARIF_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "sarif-schema-2.1.0.json"

LOOP_REQUESTS = """
import requests

def notify(hooks):
    for hook in hooks:
        requests.post(hook)
"""

# A non-ASCII name before the finding on its line: columns count code points ("ï" is one, two UTF-8 bytes).
CLIENT_IN_LOOP = """
import httpx

def fetch(urls):
    for url in urls:
        clïent = httpx.Client()
        clïent.get(url)
"""

BROKEN = "def broken(:\n    pass\n"


@pytest.fixture
def tree(write, tmp_path: Path) -> Path:
    """A project with two files with fixable findings, a syntax error, and a clean file."""
    write("svc.py", LOOP_REQUESTS)
    write("pkg/fetch.py", CLIENT_IN_LOOP)
    write("pkg/broken.py", BROKEN)
    write("clean.py", "x = 1\n")
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    return code, capsys.readouterr().out


def test_every_format_is_registered() -> None:
    assert {"text", "json", "json-lines", "sarif", "github", "gitlab", "junit"} <= set(FORMAT_MODULES)


# -- SARIF ---------------------------------------------------------------------------------------


def sarif_of(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out = check(capsys, ".", "--format", "sarif")
    assert code == 1
    return json.loads(out)


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(tree, capsys) -> None:
    log = sarif_of(capsys)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_sarif_schema_rejects_a_broken_log(tree, capsys) -> None:
    """The vendored schema really constrains results (so the validity test above means something)."""
    log = sarif_of(capsys)
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    log["runs"][0]["columnKind"] = "bytes"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert len(list(validator.iter_errors(log))) >= 2


def test_sarif_rules_results_and_locations(tree, capsys) -> None:
    (run,) = sarif_of(capsys)["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "review-ls"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["RV000", "RV201", "RV203"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    rv203 = next(r for r in rules if r["id"] == "RV203")
    assert rv203["name"] == "requests-without-session-in-loop"
    assert rv203["shortDescription"]["text"] and rv203["fullDescription"]["text"]
    assert "# RV203 requests-without-session-in-loop" in rv203["help"]["markdown"] and rv203["help"]["text"]
    assert rv203["helpUri"].endswith("/docs/rules/RV203.md")
    assert rv203["defaultConfiguration"]["level"] == "note"  # a hint (docs/precision.md)
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["RV000"]["level"] == "error"
    location = by_rule["RV201"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "pkg/fetch.py", "uriBaseId": "%SRCROOT%"}
    line = CLIENT_IN_LOOP.splitlines()[5]
    assert location["region"]["startLine"] == 5
    assert location["region"]["startColumn"] == line.index("httpx.Client()") + 1  # code points, 1-based
    assert location["region"]["endColumn"] == line.index("httpx.Client()") + len("httpx.Client()") + 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"


def apply_sarif_fix(text: str, fix: dict) -> str:
    """Apply a SARIF fix's replacements (1-based code-point regions) to a text, last first."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    (change,) = fix["artifactChanges"]
    replacements = sorted(
        change["replacements"], key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True
    )
    for replacement in replacements:
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    return text


def test_sarif_fixes_are_the_fixes_that_fix_applies(tree, capsys) -> None:
    (run,) = sarif_of(capsys)["runs"]
    fixed_by_sarif = {}
    for result in run["results"]:
        if result["ruleId"] == "RV000":
            assert "fixes" not in result
            continue
        (fix,) = result["fixes"]
        assert fix["description"]["text"] and fix["properties"]["applicability"] == "safe"
        path = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert fix["artifactChanges"][0]["artifactLocation"]["uri"] == path
        fixed_by_sarif[path] = apply_sarif_fix((tree / path).read_text(encoding="utf-8"), fix)
    assert set(fixed_by_sarif) == {"svc.py", "pkg/fetch.py"}
    main(["check", ".", "--fix", "--select", "RV2"])
    capsys.readouterr()
    for path, text in fixed_by_sarif.items():
        assert (tree / path).read_text(encoding="utf-8") == text


def test_sarif_of_a_clean_tree_is_a_valid_log_without_results(write, capsys) -> None:
    write("clean.py", "x = 1\n")
    code, out = check(capsys, ".", "--format", "sarif")
    assert code == 0
    (run,) = json.loads(out)["runs"]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []


def test_sarif_paths_outside_the_current_folder_are_file_uris(write, tmp_path, capsys, monkeypatch) -> None:
    write("svc.py", LOOP_REQUESTS)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    code, out = check(capsys, "../svc.py", "--format", "sarif")
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": (tmp_path / "svc.py").as_uri()}


# -- GitHub --------------------------------------------------------------------------------------

ANNOTATION = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=([^:]+)::(.+)$")


def test_github_annotations(tree, capsys) -> None:
    code, out = check(capsys, ".", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3 and all(ANNOTATION.match(line) for line in lines)
    by_title = {ANNOTATION.match(line).group(7): ANNOTATION.match(line).groups() for line in lines}
    level, path, line, col, end_line, end_col, _, message = by_title["RV203 requests-without-session-in-loop"]
    assert (level, path, line, col, end_line) == ("notice", "svc.py", "5", "9", "5")  # RV203 is a hint
    assert int(end_col) == 9 + len("requests.post(hook)")
    assert message.startswith("requests.post() in a loop")
    assert by_title["RV000 syntax-error"][0] == "error"


def test_github_escaping_follows_the_workflow_command_spec() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("dir,with:odd%name\n") == "dir%2Cwith%3Aodd%25name%0A"
    finding = Finding("RV201", "client-in-loop", "one\ntwo: 50%", Span(1, 0, 2, 3), Severity.HINT, 1)
    assert annotation("a,b:c.py", finding) == (
        "::notice file=a%2Cb%3Ac.py,line=1,col=1,endLine=2,endColumn=4,title=RV201 client-in-loop::one%0Atwo: 50%25"
    )


# -- JSON Lines ----------------------------------------------------------------------------------


def test_json_lines_are_the_json_format_objects_one_per_line(tree, capsys) -> None:
    _, as_json = check(capsys, ".", "--format", "json")
    _, as_lines = check(capsys, ".", "--format", "json-lines")
    objects = [json.loads(line) for line in as_lines.splitlines()]
    assert objects == json.loads(as_json)
    assert len(objects) == 3 and all(line.startswith("{") for line in as_lines.splitlines())
    assert any(o["fix"] is not None for o in objects)


def test_json_lines_of_a_clean_tree_is_empty(write, capsys) -> None:
    write("clean.py", "x = 1\n")
    assert check(capsys, ".", "--format", "json-lines") == (0, "")


# -- JUnit ---------------------------------------------------------------------------------------


def test_junit_one_testcase_per_file_one_failure_per_finding(tree, capsys) -> None:
    code, out = check(capsys, ".", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("tests") == "4" and root.get("failures") == "3"
    (suite,) = root
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"clean.py", "svc.py", "pkg/fetch.py", "pkg/broken.py"}
    assert list(cases["clean.py"]) == []
    (failure,) = cases["svc.py"].findall("failure")
    assert failure.get("type") == "RV203"
    assert failure.get("message").startswith("RV203 requests-without-session-in-loop: ")
    assert failure.text.startswith("svc.py:5:9: RV203")


def test_junit_text_is_always_well_formed_xml() -> None:
    assert xml_safe("bell\x07 <&> \ud800 ok") == "bell\ufffd <&> \ufffd ok"
    ET.fromstring(f"<a b='{xml_safe(chr(0))}'/>")


# -- GitLab --------------------------------------------------------------------------------------


def test_gitlab_code_quality_report(tree, capsys) -> None:
    code, out = check(capsys, ".", "--format", "gitlab")
    assert code == 1
    issues = json.loads(out)
    assert len(issues) == 3
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({issue["fingerprint"] for issue in issues}) == 3
    by_check = {issue["check_name"]: issue for issue in issues}
    assert by_check["RV000"]["severity"] == "critical" and by_check["RV203"]["severity"] == "info"
    assert by_check["RV203"]["location"] == {"path": "svc.py", "lines": {"begin": 5, "end": 5}}


def test_gitlab_fingerprints_are_stable_across_runs_and_line_moves(tree, capsys) -> None:
    first = {i["check_name"]: i for i in json.loads(check(capsys, ".", "--format", "gitlab", "--no-cache")[1])}
    again = {i["check_name"]: i for i in json.loads(check(capsys, ".", "--format", "gitlab", "--no-cache")[1])}
    assert {c: i["fingerprint"] for c, i in first.items()} == {c: i["fingerprint"] for c, i in again.items()}
    svc = tree / "svc.py"
    svc.write_text("# a comment that moves everything down\n\n" + svc.read_text(encoding="utf-8"), encoding="utf-8")
    moved = {i["check_name"]: i for i in json.loads(check(capsys, ".", "--format", "gitlab")[1])}
    assert moved["RV203"]["location"]["lines"]["begin"] == 7
    assert moved["RV203"]["fingerprint"] == first["RV203"]["fingerprint"]


def test_gitlab_identical_findings_in_one_file_get_distinct_fingerprints(write, capsys) -> None:
    write("twice.py", LOOP_REQUESTS + "\n\ndef again(hooks):\n    for hook in hooks:\n        requests.post(hook)\n")
    issues = json.loads(check(capsys, ".", "--format", "gitlab")[1])
    assert len(issues) == 2 and issues[0]["fingerprint"] != issues[1]["fingerprint"]


# -- --statistics --------------------------------------------------------------------------------


def test_statistics_counts_per_rule_with_fixable_counts(tree, write, capsys) -> None:
    write("more.py", LOOP_REQUESTS)
    code, out = check(capsys, ".", "--statistics")
    assert code == 1
    header, *rows, total = out.splitlines()
    assert header.split() == ["count", "code", "fixable", "name"]
    assert [row.split() for row in rows] == [
        ["2", "RV203", "2", "requests-without-session-in-loop"],
        ["1", "RV000", "-", "syntax-error"],
        ["1", "RV201", "1", "client-in-loop"],
    ]
    assert total.split() == ["4", "total", "3"]


def test_statistics_as_json(tree, capsys) -> None:
    code, out = check(capsys, ".", "--statistics", "--format", "json")
    assert code == 1
    assert json.loads(out) == [
        {"code": "RV000", "name": "syntax-error", "count": 1, "fixable": 0},
        {"code": "RV201", "name": "client-in-loop", "count": 1, "fixable": 1},
        {"code": "RV203", "name": "requests-without-session-in-loop", "count": 1, "fixable": 1},
    ]


def test_statistics_of_a_clean_tree_and_with_other_formats(write, capsys) -> None:
    write("clean.py", "x = 1\n")
    assert check(capsys, ".", "--statistics") == (0, "No findings.\n")
    assert main(["check", ".", "--statistics", "--format", "sarif"]) == 2
    assert "--statistics prints text or json" in capsys.readouterr().err
