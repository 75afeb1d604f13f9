"""`review-ls merge-sarif`: join the SARIF logs of several runs (e.g. one per CI shard) into one log.

Runs made by the same tool are joined into one run: the rule descriptors are the union (by `id`),
each result's `ruleIndex` is renumbered into that union, results keep their order (input order,
then the order within each log) and exact duplicates are dropped. The first run's `originalUriBaseIds`
and `columnKind` are kept: shards check out the same repository, so `%SRCROOT%`-relative locations
agree. Runs of other tools are kept as separate runs. Input that is not a SARIF 2.1.0 log raises
`SarifMergeError` with a one-line reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from review_ls.output.sarif_format import SARIF_SCHEMA_URI


class SarifMergeError(Exception):
    """An input that cannot be merged; `str()` is one line naming the file."""


def read_sarif(path: Path) -> dict[str, Any]:
    """The SARIF log in `path`; raise SarifMergeError if it cannot be read or is not a SARIF 2.1.0 log."""
    try:
        log = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SarifMergeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise SarifMergeError(f"{path}: not JSON: {exc}") from None
    if not isinstance(log, dict) or log.get("version") != "2.1.0" or not isinstance(log.get("runs"), list):
        raise SarifMergeError(f"{path}: not a SARIF 2.1.0 log (needs \"version\": \"2.1.0\" and a \"runs\" list)")
    for run in log["runs"]:
        if not isinstance(run, dict) or not isinstance(run.get("tool", {}).get("driver", {}).get("name"), str):
            raise SarifMergeError(f"{path}: a run without tool.driver.name")
    return log


def merge_sarif_logs(logs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One SARIF log holding every run of `logs`, runs of the same tool (name and version) joined into one."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for log in logs:
        for run in log["runs"]:
            driver = run["tool"]["driver"]
            tool = (driver["name"], str(driver.get("version", "")))
            if tool not in merged:
                merged[tool] = _empty_run_like(run)
            _add_run(merged[tool], run)
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": list(merged.values())}


def _empty_run_like(run: dict[str, Any]) -> dict[str, Any]:
    """A run with `run`'s tool and settings but no rules and no results."""
    joined = {key: value for key, value in run.items() if key not in ("results", "tool")}
    joined["tool"] = {**run["tool"], "driver": {**run["tool"]["driver"], "rules": []}}
    joined["results"] = []
    return joined


def _add_run(joined: dict[str, Any], run: dict[str, Any]) -> None:
    """Append `run`'s rules (new ids only) and results (renumbered, duplicates skipped) to `joined`."""
    rules: list[dict[str, Any]] = joined["tool"]["driver"]["rules"]
    index_of = {rule["id"]: index for index, rule in enumerate(rules)}
    own_rules = run["tool"]["driver"].get("rules", [])
    for rule in own_rules:
        if rule["id"] not in index_of:
            index_of[rule["id"]] = len(rules)
            rules.append(rule)
    seen = {json.dumps(result, sort_keys=True) for result in joined["results"]}
    for result in run.get("results", []):
        result = dict(result)
        rule_id = result.get("ruleId")
        if rule_id is None and isinstance(result.get("ruleIndex"), int) and result["ruleIndex"] < len(own_rules):
            rule_id = own_rules[result["ruleIndex"]]["id"]
        if rule_id in index_of:
            result["ruleIndex"] = index_of[rule_id]
        else:
            result.pop("ruleIndex", None)
        key = json.dumps(result, sort_keys=True)
        if key not in seen:
            seen.add(key)
            joined["results"].append(result)


def merge_sarif_files(paths: Sequence[Path]) -> str:
    """The merged log of the SARIF files at `paths`, as JSON text."""
    return json.dumps(merge_sarif_logs([read_sarif(path) for path in paths]), indent=2, ensure_ascii=False) + "\n"
