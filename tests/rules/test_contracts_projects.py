"""RV701–RV704 across modules: fixture projects indexed with the project index, then analysed file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix
from review_ls.engine.model import Finding
from review_ls.project import ProjectIndex

FIXTURES = Path(__file__).parent.parent / "fixtures" / "projects"
RV7 = Settings(select=("RV7",))


def _with_budget(milliseconds: int) -> Settings:
    options = tuple((code, (("jedi-budget-ms", milliseconds),)) for code in ("RV701", "RV702", "RV703", "RV704"))
    return Settings(select=("RV7",), options=options)


NO_JEDI = _with_budget(0)
PATIENT_JEDI = _with_budget(60_000)


def _index(name: str) -> tuple[Path, ProjectIndex]:
    root = FIXTURES / name
    return root, ProjectIndex.build(sorted(str(p) for p in root.rglob("*.py")), [str(root)])


def _findings(path: Path, index: ProjectIndex | None, settings: Settings = RV7) -> list[Finding]:
    result = analyse_source(path.read_text(encoding="utf-8"), str(path), settings, project=index)
    assert result.internal_errors == ()
    return [f for f in result.findings if f.code.startswith("RV7")]


def _fixed(path: Path, finding: Finding, index: ProjectIndex, settings: Settings = RV7) -> str:
    source = path.read_text(encoding="utf-8")
    fix = compute_fix(source, finding, str(path), settings, index)
    assert fix is not None
    return apply_edits(source, fix.edits)


@pytest.fixture(scope="module")
def shop() -> tuple[Path, ProjectIndex]:
    return _index("enum_shop")


@pytest.fixture(scope="module")
def api() -> tuple[Path, ProjectIndex]:
    return _index("request_api")


# -- RV701: the enum lives in another module -----------------------------------------------------------


def test_comparison_with_an_enum_from_another_module_is_found_and_fixed_with_an_import(shop: tuple[Path, ProjectIndex]) -> None:
    root, index = shop
    path = root / "shop" / "inventory.py"
    findings = _findings(path, index, NO_JEDI)
    assert [(f.code, f.span.line) for f in findings] == [("RV701", 5)]  # line 9 compares with "MOTOR" itself
    fixed = _fixed(path, findings[0], index)
    assert fixed.startswith("from shop.models import Part\nfrom shop.models import PartType\n")
    assert 'if part.type == PartType.MOTOR]' in fixed


def test_a_literal_passed_to_a_model_from_another_module_uses_the_existing_import(shop: tuple[Path, ProjectIndex]) -> None:
    root, index = shop
    path = root / "shop" / "catalog.py"
    findings = _findings(path, index, NO_JEDI)
    assert [(f.code, f.span.line) for f in findings] == [("RV701", 5)]
    fixed = _fixed(path, findings[0], index)
    assert fixed.splitlines()[0] == "from .models import Part, PartType"
    assert 'return Part(name="crate", type=PartType.BOX)' in fixed


def test_without_the_index_the_other_modules_enum_is_unknown_and_nothing_is_reported(shop: tuple[Path, ProjectIndex]) -> None:
    root, _ = shop
    assert _findings(root / "shop" / "inventory.py", None) == []
    assert _findings(root / "shop" / "catalog.py", None) == []


# -- jedi: types only inference can tell (a function without a return annotation) ------------------------


def test_jedi_decides_what_local_facts_cannot(shop: tuple[Path, ProjectIndex]) -> None:
    root, index = shop
    path = root / "shop" / "lookup.py"
    findings = _findings(path, index, PATIENT_JEDI)
    # RV704 (`part.tags` on line 11) types owners from facts only, so that its findings never depend
    # on jedi's time budget (issue #15); RV701 still asks jedi what `load_part` returns.
    assert [(f.code, f.span.line) for f in findings] == [("RV701", 6)]
    assert "'Motor' is not a value of PartType" in findings[0].message
    assert _fixed(path, findings[0], index, PATIENT_JEDI).startswith("from shop.models import PartType\nfrom shop.repository import load_part\n")


def test_with_jedi_off_unknown_types_produce_no_findings(shop: tuple[Path, ProjectIndex]) -> None:
    root, index = shop
    assert _findings(root / "shop" / "lookup.py", index, NO_JEDI) == []


# -- RV703: the request model and the called function live in other modules ------------------------------


def test_request_field_dropped_across_modules_is_found_and_fixed(api: tuple[Path, ProjectIndex]) -> None:
    root, index = api
    path = root / "api" / "routes.py"
    findings = _findings(path, index, NO_JEDI)
    # /v2 passes every field positionally, /v3 reads request.temperature itself: only /generate drops it
    assert [(f.code, f.span.line) for f in findings] == [("RV703", 12)]
    assert "generate() has defaulted parameter temperature" in findings[0].message
    fixed = _fixed(path, findings[0], index)
    assert (
        "    return generate(\n"
        "        prompt=request.prompt,\n"
        "        max_tokens=request.max_tokens,\n"
        "        temperature=request.temperature,\n"
        "    )\n"
    ) in fixed  # wrapped to the line length, the way black would


def test_request_field_dropped_needs_the_index_for_other_modules(api: tuple[Path, ProjectIndex]) -> None:
    root, _ = api
    assert _findings(root / "api" / "routes.py", None) == []


def test_the_current_text_wins_over_the_indexed_file(api: tuple[Path, ProjectIndex]) -> None:
    root, index = api
    path = root / "api" / "routes.py"
    edited = path.read_text(encoding="utf-8").replace(
        "return generate(prompt=request.prompt, max_tokens=request.max_tokens)",
        "return generate(prompt=request.prompt, max_tokens=request.max_tokens, temperature=request.temperature)",
    )
    result = analyse_source(edited, str(path), NO_JEDI, project=index)
    assert [f for f in result.findings if f.code == "RV703"] == []
