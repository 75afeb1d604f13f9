"""Carrying the duplicate models and field variants over an edit that only moved classes to other lines.

An edit above a class (an import added, a statement inserted) changes the line of every class and
field below it, and nothing else about them. The copies and variants found before then differ
from a fresh search only in those lines: which models are copies, which copy is canonical and the
order of every list read no line except to order classes of one file, and moving lines keeps the
order of a file's classes. So they are carried with each class reference and field line mapped to
where the class is now (`ClassMoves`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from review_ls.engine.model import Span
from review_ls.project.duplicates import Duplicate, FieldVariant
from review_ls.project.file_facts import FileFacts
from review_ls.project.views import ClassRef


class ClassMoves:
    """Where the classes and fields of files whose classes only moved lines are now."""

    def __init__(self) -> None:
        self._spans: dict[tuple[str, Span], Span] = {}  # (path, old span of a class name) -> new span
        self._lines: dict[tuple[str, int], int] = {}  # (path, old line of a class name or field) -> new line

    @classmethod
    def of(cls, changed: Iterable[str], before: Mapping[str, FileFacts], after: Mapping[str, FileFacts]) -> ClassMoves | None:
        """The moves of the `changed` files' classes; None when a class changed otherwise (or a line would move two ways)."""
        moves = cls()
        for path in changed:
            old, new = before.get(path), after.get(path)
            if old is None or new is None or len(old.classes) != len(new.classes):
                return None
            for old_class, new_class in zip(old.classes, new.classes, strict=True):
                if old_class is new_class:
                    continue
                if old_class.position_free != new_class.position_free:
                    return None
                moves._spans[(path, old_class.span)] = new_class.span
                pairs = [(old_class.line, new_class.line), *((a.line, b.line) for a, b in zip(old_class.fields, new_class.fields, strict=True))]
                for old_line, new_line in pairs:
                    if moves._lines.setdefault((path, old_line), new_line) != new_line:
                        return None
        return moves

    def ref(self, ref: ClassRef) -> ClassRef:
        """Where the class `ref` names is now."""
        span = self._spans.get((ref.path, ref.span))
        return ref if span is None else replace(ref, span=span)

    def line(self, path: str, line: int) -> int:
        """Where line `line` of a class name or field in `path` is now."""
        return self._lines.get((path, line), line)

    def copies(self, found: Mapping[tuple[str, int], Duplicate]) -> dict[tuple[str, int], Duplicate]:
        """The duplicate records with their classes where they are now, by (path, line of the copy's name)."""
        moved: dict[tuple[str, int], Duplicate] = {}
        for (path, line), duplicate in found.items():
            record = replace(duplicate, copy=self.ref(duplicate.copy), canonical=self.ref(duplicate.canonical), copies=tuple(self.ref(r) for r in duplicate.copies))
            moved[(path, self.line(path, line))] = record
        return moved

    def variants(self, found: Mapping[tuple[str, int], tuple[FieldVariant, ...]]) -> dict[tuple[str, int], tuple[FieldVariant, ...]]:
        """The field variants with their lines and classes where they are now, by (path, line of the model's name)."""
        return {
            (path, self.line(path, line)): tuple(
                replace(v, line=self.line(path, v.line), other=self.ref(v.other), other_line=self.line(v.other.path, v.other_line)) for v in variants
            )
            for (path, line), variants in found.items()
        }
