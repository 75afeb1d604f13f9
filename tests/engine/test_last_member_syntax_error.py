"""Breaking the last member of a top-level class is reported from that member and what follows the
class, without parsing the class again (it was re-parsed whole: 60-75 ms twice per key in a 3,300-line
class of `_pydecimal.py`)."""

from __future__ import annotations

import pytest

from review_ls.engine import incremental
from review_ls.engine.analysis import analyse_source
from review_ls.engine.incremental import IncrementalAnalyser

METHODS = "".join(f"    def m_{i}(self):\n        return {i}\n\n" for i in range(30))
FOLLOWED = f"import requests\n\n\nclass Big:\n{METHODS}    def last(self):\n        return 99\n\n\ndef after(hooks):\n    for hook in hooks:\n        requests.post(hook)\n"
AT_THE_END = f"import requests\n\n\ndef before(hooks):\n    for hook in hooks:\n        requests.post(hook)\n\n\nclass Big:\n{METHODS}    def last(self):\n        return 99\n"


@pytest.mark.parametrize("source", [FOLLOWED, AT_THE_END], ids=["followed by a function", "at the end of the text"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    def last(self):", "    defx last(self):"),  # typing after `def`
        ("        return 99\n", "        return 99 +\n"),
        ("        return 99\n", "        return (99\n"),  # left open: runs on to the end of the text
    ],
)
def test_the_last_member_is_parsed_without_its_class(source: str, old: str, new: str, monkeypatch: pytest.MonkeyPatch) -> None:
    analyser = IncrementalAnalyser("big.py")
    analyser.analyse(source)
    edited = source.replace(old, new, 1)
    expected = analyse_source(edited, "big.py")
    assert expected.syntax_error is not None
    last_line = edited.splitlines().index("    " + new.strip() if "def" in new else "    def last(self):") + 1
    parsed_from: list[int] = []
    parse_lines = incremental._parse_lines

    def recording(lines: list[str], first: int, last: int, wrapped: bool) -> object:
        parsed_from.append(first)
        return parse_lines(lines, first, last, wrapped)

    def whole_parse(*args: object) -> None:
        raise AssertionError("the whole file was parsed")

    monkeypatch.setattr(incremental, "_parse_lines", recording)
    monkeypatch.setattr(incremental, "parse_module", whole_parse)
    result = analyser.analyse(edited, settle=False)
    monkeypatch.undo()
    assert result.syntax_error == expected.syntax_error
    assert [f.code for f in result.findings] == ["RV203"], "the findings outside the edit are kept"
    assert parsed_from and min(parsed_from) >= last_line, "the class was parsed again"
