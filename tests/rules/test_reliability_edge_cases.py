"""RV5 behaviour the VALID/INVALID examples cannot express: fixes across rounds, placement, options,
class-level findings under suppression and incremental analysis."""

from __future__ import annotations

import textwrap
from typing import Any

from review_ls.config import Settings
from review_ls.engine.analysis import analyse_source
from review_ls.engine.fixes import apply_edits, compute_fix, fix_source
from review_ls.engine.incremental import IncrementalAnalyser


def _code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _codes(source: str, select: str, path: str = "service.py") -> list[tuple[str, int]]:
    result = analyse_source(source, path, Settings(select=(select,)))
    assert result.internal_errors == ()
    return [(f.code, f.span.line) for f in result.findings]


def test_print_fixes_share_one_new_logger() -> None:
    source = _code(
        '''
        """Payments."""


        def charge(card):
            try:
                card.charge()
            except Exception as exc:
                print("charge failed", exc)


        def refund(card):
            try:
                card.refund()
            except Exception as exc:
                print(exc)
        '''
    )
    fixed = fix_source(source, "service.py", Settings(select=("RV501",))).source
    assert fixed == _code(
        '''
        """Payments."""
        import logging

        logger = logging.getLogger(__name__)


        def charge(card):
            try:
                card.charge()
            except Exception as exc:
                logger.exception("charge failed %s", exc)


        def refund(card):
            try:
                card.refund()
            except Exception as exc:
                logger.exception(exc)
        '''
    )
    assert fixed.count("getLogger") == 1


def test_print_fix_reuses_a_structlog_logger() -> None:
    source = _code(
        """
        import structlog

        log = structlog.get_logger()


        def run(job):
            try:
                job()
            except Exception as exc:
                print(f"job failed: {exc}")
        """
    )
    fixed = fix_source(source, "service.py", Settings(select=("RV501",))).source
    assert 'log.exception(f"job failed: {exc}")' in fixed
    assert "import logging" not in fixed


def test_print_in_a_module_that_is_also_a_script_is_quiet() -> None:
    source = _code(
        """
        def convert(path):
            try:
                return parse(path)
            except ValueError as exc:
                print("cannot convert", path, exc)


        if __name__ == "__main__":
            convert("a.txt")
        """
    )
    assert _codes(source, "RV501") == []


def test_unbounded_history_fix_uses_the_configured_length() -> None:
    source = _code(
        """
        class Tracker:
            def __init__(self):
                self.history = []

            def observe(self, value):
                self.history.append(value)
        """
    )
    settings = Settings(select=("RV506",), options=(("RV506", (("maxlen", 50),)),))
    finding = analyse_source(source, "service.py", settings).findings[0]
    fix = compute_fix(source, finding, "service.py", settings)
    assert fix is not None and not fix.is_safe
    fixed = apply_edits(source, fix.edits)
    assert "MAX_HISTORY = 50\n" in fixed
    assert "self.history = collections.deque(maxlen=MAX_HISTORY)" in fixed


def test_class_level_findings_are_suppressed_on_their_own_statement_line() -> None:
    source = _code(
        """
        def make_recorder():
            class Recorder:
                def __init__(self):
                    self.samples = []  # review: ignore[RV506]

                def add(self, value):
                    self.samples.append(value)

            return Recorder()
        """
    )
    assert _codes(source, "RV506") == []
    finding = analyse_source(source.replace("  # review: ignore[RV506]", ""), "service.py", Settings(select=("RV506",))).findings[0]
    assert (finding.span.line, finding.statement_line) == (4, 4)


def test_listener_finding_follows_edits_elsewhere_in_the_class() -> None:
    source = _code(
        """
        class Hub:
            def __init__(self):
                self.listeners = []

            def subscribe(self, callback):
                self.listeners.append(callback)
        """
    )
    settings = Settings(select=("RV505",))
    analyser = IncrementalAnalyser("hub.py")
    assert [f.span.line for f in analyser.analyse(source, settings).findings] == [6]
    with_unsubscribe = source + "\n    def unsubscribe(self, callback):\n        self.listeners.remove(callback)\n"
    assert analyser.analyse(with_unsubscribe, settings).findings == ()
    assert [f.span.line for f in analyser.analyse(source, settings).findings] == [6]


def test_swallowed_exception_is_reported_on_the_except_line_only() -> None:
    source = _code(
        """
        def sync(store, item):
            try:
                store.put(item)
            except Exception:
                pass
        """
    )
    finding = analyse_source(source, "service.py", Settings(select=("RV508",))).findings[0]
    assert (finding.span.line, finding.span.end_line) == (4, 4)
    assert finding.span.end_col == len("    except Exception:")


def test_fsync_fix_keeps_an_existing_os_import_and_a_one_line_body() -> None:
    source = _code(
        """
        import os as operating_system


        def save(path, data):
            with open(path, "w") as fh: fh.write(data)
            return {"status": "saved"}
        """
    )
    fixed = fix_source(source, "service.py", Settings(select=("RV504",))).source
    assert fixed == _code(
        """
        import os as operating_system


        def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
                fh.flush()
                operating_system.fsync(fh.fileno())
            return {"status": "saved"}
        """
    )


def test_check_then_act_is_quiet_when_the_module_does_not_run_concurrently() -> None:
    source = _code(
        """
        import os
        import shutil

        def publish(src, dst):
            if not os.path.exists(dst):
                shutil.move(src, dst)
        """
    )
    assert _codes(source, "RV507") == []
    assert _codes("import threading\n" + source, "RV507") == [("RV507", 6)]


def test_fsync_fix_in_a_coroutine_runs_off_the_event_loop_and_still_writes(tmp_path) -> None:
    source = _code(
        """
        async def save(path, data):
            with open(path, "w") as fh:
                fh.write(data)
            return {"status": "saved"}
        """
    )
    fixed = fix_source(source, "service.py", Settings(select=("RV504",))).source
    assert "await asyncio.to_thread(os.fsync, fh.fileno())" in fixed
    assert _codes(fixed, "RV504") == []
    namespace: dict[str, Any] = {}
    exec(compile(fixed, "<fixed>", "exec"), namespace)
    target = tmp_path / "state.json"
    import asyncio

    assert asyncio.run(namespace["save"](str(target), "{}")) == {"status": "saved"}
    assert target.read_text() == "{}"


def test_fsync_is_not_asked_for_files_deleted_again_or_temporary() -> None:
    removed_by_method = _code(
        """
        from pathlib import Path

        def convert(name, data):
            path = Path("work") / name
            try:
                with open(path, "wb") as fh:
                    fh.write(data)
                return {"status": "converted", "size": run(path)}
            finally:
                path.unlink(missing_ok=True)
        """
    )
    named_temporary = _code(
        """
        import tempfile

        def stage(data):
            handle = tempfile.NamedTemporaryFile(delete=False)
            with open(handle.name, "w") as fh:
                fh.write(data)
            return {"status": "staged"}
        """
    )
    kept = removed_by_method.replace("path.unlink(missing_ok=True)", "log(path)")
    assert _codes(removed_by_method, "RV504") == []
    assert _codes(named_temporary, "RV504") == []
    assert _codes(kept, "RV504") == [("RV504", 6)]


def test_unbounded_history_reads_growth_only_through_self_as_a_whole_word() -> None:
    """RV506's text pre-check finds `self.<name>` growth with a word check per match (a leading `\\b` scanned every position)."""
    from review_ls.rules.reliability.rv506_unbounded_history import _grown_names

    text = "self.log += [0]\nmyself.history.append(1)\n(self.samples.append(2))\nitself.frames += [3]\n_self.ticks.extend(4)\n\tself . readings . insert(0, 5)\n"
    assert _grown_names(text) == {"log", "samples"}
