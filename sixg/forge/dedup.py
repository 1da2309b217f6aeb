"""De-duplication against the growing pool: ROUGE-L over the intent and the tool sequence.

Exact ROUGE-L against every pool item is quadratic over a corpus of tens of thousands; a
candidate prefilter finds the pool items nearest by cosine similarity of hashed word n-gram
vectors (scikit-learn's ``HashingVectorizer``, which needs no refitting as the pool grows),
and the exact ROUGE-L (``rouge-score``) is computed only for those.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: A trajectory whose ROUGE-L F1 to a pool item reaches this is a near-duplicate (Self-Instruct's 0.7).
DEFAULT_THRESHOLD = 0.7


def dedup_text(intent: str, tools: Sequence[str]) -> str:
    """What two trajectories are compared on: the intent, then the tool sequence."""
    return f"{intent} || {' '.join(tools)}"


class DedupIndex:
    """The pool's texts, with a nearest-candidate prefilter and exact ROUGE-L on the candidates.

    Args:
        threshold: ROUGE-L F1 at or above which a text is a near-duplicate.
        candidates: How many nearest pool items are scored exactly.
    """

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, candidates: int = 8):
        from rouge_score import rouge_scorer
        from sklearn.feature_extraction.text import HashingVectorizer

        self.threshold = threshold
        self.candidates = candidates
        self._vec = HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm="l2")
        self._scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
        self._texts: list[str] = []
        self._main = None  # the pool's vectors, one sparse row each
        self._recent: list = []  # rows added since the last merge (merging each one would copy the pool each time)
        self.exact_comparisons = 0

    def __len__(self) -> int:
        return len(self._texts)

    def add(self, text: str) -> None:
        import scipy.sparse as sp

        self._texts.append(text)
        self._recent.append(self._vec.transform([text]))
        if len(self._recent) >= 512:
            blocks = ([self._main] if self._main is not None else []) + self._recent
            self._main, self._recent = sp.vstack(blocks).tocsr(), []

    def nearest(self, text: str) -> tuple[float, int | None]:
        """The highest ROUGE-L F1 of ``text`` to a pool item, and that item's index."""
        import scipy.sparse as sp

        if not self._texts:
            return 0.0, None
        q = self._vec.transform([text]).T
        parts = []
        if self._main is not None:
            parts.append((self._main @ q).toarray().ravel())
        if self._recent:
            parts.append((sp.vstack(self._recent) @ q).toarray().ravel())
        sims = np.concatenate(parts)
        k = min(self.candidates, len(sims))
        idx = np.argpartition(-sims, k - 1)[:k]
        best, best_i = 0.0, None
        for i in idx:
            self.exact_comparisons += 1
            f = self._scorer.score(self._texts[i], text)["rougeL"].fmeasure
            if f > best:
                best, best_i = f, int(i)
        return best, best_i

    def admit(self, text: str) -> tuple[bool, float]:
        """Add ``text`` unless it is a near-duplicate; (added, its highest ROUGE-L to the pool)."""
        score, _ = self.nearest(text)
        if score >= self.threshold:
            return False, score
        self.add(text)
        return True, score
