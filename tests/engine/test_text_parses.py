"""`IncrementalAnalyser.text_parses` says whether the last analysed text parsed (the server indexes only texts that do)."""

from __future__ import annotations

from review_ls.engine.incremental import IncrementalAnalyser

GOOD = "import time\n\n\ndef slow():\n    time.sleep(1)\n\n\ndef fast():\n    return 1\n"


def test_text_parses_follows_each_edit_fast_and_settled() -> None:
    analyser = IncrementalAnalyser("app.py")
    analyser.analyse(GOOD)
    assert analyser.text_parses
    broken = GOOD.replace("def fast", "defx fast")
    analyser.analyse(broken, settle=False)
    assert not analyser.text_parses
    analyser.analyse(broken, settle=True)
    assert not analyser.text_parses
    analyser.analyse(GOOD.replace("return 1", "return 2"), settle=False)
    assert analyser.text_parses


def test_a_first_text_that_does_not_parse() -> None:
    analyser = IncrementalAnalyser("app.py")
    result = analyser.analyse("def (")
    assert result.syntax_error is not None
    assert not analyser.text_parses
