"""The counts of one labelled peer suite and the recall and precision made from them (shared by
`peer_suites.py` and `peer_taint.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Score:
    """Counts of one suite: labelled lines found, missed, and reports on unlabelled lines."""

    true_positives: int = 0
    out_of_scope: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Found / labelled."""
        total = self.true_positives + self.false_negatives
        return self.true_positives / total if total else 1.0

    @property
    def precision(self) -> float:
        """Correct / reported."""
        total = self.true_positives + self.false_positives
        return self.true_positives / total if total else 1.0

    @property
    def scoped_precision(self) -> float:
        """Correct / reported, not counting reports of a kind the file does not label."""
        total = self.true_positives + self.false_positives - self.out_of_scope
        return self.true_positives / total if total else 1.0
