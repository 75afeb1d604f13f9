"""JUnit XML for CI test-report views: one test case per checked file, one <failure> per finding in it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from review_ls.engine.model import Finding
from review_ls.runner import FileReport

# Characters XML 1.0 cannot carry, even escaped (control characters, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(reports: Sequence[FileReport]) -> str:
    """Render a <testsuites> document with one suite named review-ls."""
    failed = sum(1 for r in reports if r.findings)
    counts = {"tests": str(len(reports)), "failures": str(failed), "errors": "0", "skipped": "0"}
    root = ET.Element("testsuites", {"name": "review-ls", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "review-ls", **counts})
    for report in reports:
        path = xml_safe(report.path)
        case = ET.SubElement(suite, "testcase", {"classname": "review-ls", "name": path, "file": path})
        for finding in report.findings:
            message = xml_safe(f"{finding.code} {finding.name}: {finding.message}")
            failure = ET.SubElement(case, "failure", {"type": finding.code, "message": message})
            failure.text = xml_safe(failure_text(report.path, finding))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def failure_text(path: str, finding: Finding) -> str:
    """The body of one failure: the finding as the text format prints it."""
    return f"{path}:{finding.span.line}:{finding.span.col + 1}: {finding.code} [{finding.name}] {finding.message}"


def xml_safe(text: str) -> str:
    """`text` with the characters XML cannot represent replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)
