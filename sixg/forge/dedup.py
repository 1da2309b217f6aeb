"""De-duplication against the growing pool: ROUGE-L over the intent and the tool sequence.

The search itself is :class:`sixg.rouge.RougeIndex` with the hashing prefilter (hashed n-gram
vectors need no refitting as the pool grows); this module adds what Forge compares and when a
trajectory counts as a near-duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

from sixg.rouge import RougeIndex

#: A trajectory whose ROUGE-L F1 to a pool item reaches this is a near-duplicate (Self-Instruct's 0.7).
DEFAULT_THRESHOLD = 0.7


def dedup_text(intent: str, tools: Sequence[str]) -> str:
    """What two trajectories are compared on: the intent, then the tool sequence."""
    return f"{intent} || {' '.join(tools)}"


class DedupIndex(RougeIndex):
    """The pool's texts, admitting a text only if no pool item reaches ``threshold`` ROUGE-L F1.

    Args:
        threshold: ROUGE-L F1 at or above which a text is a near-duplicate.
        candidates: How many nearest pool items are scored exactly.
    """

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, candidates: int = 8):
        super().__init__(prefilter="hashing", candidates=candidates)
        self.threshold = threshold

    def admit(self, text: str) -> tuple[bool, float]:
        """Add ``text`` unless it is a near-duplicate; (added, its highest ROUGE-L to the pool)."""
        score, _ = self.nearest(text)
        if score >= self.threshold:
            return False, score
        self.add(text)
        return True, score
