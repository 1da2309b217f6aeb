"""ROUGE-L nearest-neighbour search: for a text, the most similar of a set of texts by ROUGE-L F1.

Both de-duplications in sixg use it: the benchmark build keeps benchmark intents apart from
training intents (:func:`sixg.bench.build.rouge_l_max`) and 6G-Forge refuses near-duplicates of
its growing pool (:class:`sixg.forge.dedup.DedupIndex`).

Exact ROUGE-L (``rouge-score``'s longest-common-subsequence F1 over its default tokenisation,
no stemming) against every text is quadratic in pure Python, so a cheap prefilter first picks
the texts nearest by cosine similarity of word 1-2-gram vectors (scikit-learn), and only those
``candidates`` are scored exactly. The highest ROUGE-L is exact whenever it lies among them.
Two prefilters, because the two jobs see their texts differently:

* ``"tfidf"``: TF-IDF fitted on the set and the queries together, at each query. It weighs
  rare words up, which suits a fixed set queried in one batch (the benchmark build).
* ``"hashing"``: hashed n-gram counts, which need no fitting, so a pool that grows one text at
  a time never refits (6G-Forge's growth loop).

Each prefilter keeps its own way of taking the top candidates (a full sort for TF-IDF, a
partial one for hashing); where similarities tie at the cut the two can keep different texts,
and keeping each as it was keeps the shipped benchmark and Forge's decisions as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import NamedTuple

import numpy as np

from sixg.errors import UnknownIdError, UserError, did_you_mean

PREFILTERS = ("tfidf", "hashing")


@cache
def _scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rouge_l(reference: str, text: str) -> float:
    """Exact ROUGE-L F1 of ``text`` against ``reference`` (1.0 for identical texts)."""
    return _scorer().score(reference, text)["rougeL"].fmeasure


class Nearest(NamedTuple):
    """The highest ROUGE-L F1 of a query to the set, and the index of that text (None if the set is empty)."""

    score: float
    index: int | None


class _Tfidf:
    """TF-IDF cosine over the set and the queries of one call; candidates by a full sort."""

    def add(self, text: str) -> None:
        pass  # fitted on the whole set at each query

    def candidates(self, texts: list[str], queries: list[str], k: int) -> list[np.ndarray]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(ngram_range=(1, 2)).fit(texts + queries)
        sims = (vec.transform(queries) @ vec.transform(texts).T).toarray()
        return [row.argsort()[::-1][:k] for row in sims]


class _Hashing:
    """Hashed n-gram cosine, added to one text at a time; candidates by a partial sort."""

    def __init__(self):
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vec = HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm="l2")
        self._main = None  # the set's vectors, one sparse row each
        self._recent: list = []  # rows added since the last merge (merging each one would copy the set each time)

    def add(self, text: str) -> None:
        import scipy.sparse as sp

        self._recent.append(self._vec.transform([text]))
        if len(self._recent) >= 512:
            blocks = ([self._main] if self._main is not None else []) + self._recent
            self._main, self._recent = sp.vstack(blocks).tocsr(), []

    def candidates(self, texts: list[str], queries: list[str], k: int) -> list[np.ndarray]:
        import scipy.sparse as sp

        out = []
        for query in queries:
            q = self._vec.transform([query]).T
            parts = []
            if self._main is not None:
                parts.append((self._main @ q).toarray().ravel())
            if self._recent:
                parts.append((sp.vstack(self._recent) @ q).toarray().ravel())
            sims = np.concatenate(parts)
            n = min(k, len(sims))
            out.append(np.argpartition(-sims, n - 1)[:n])
        return out


class RougeIndex:
    """A set of texts searched for each query's nearest text by ROUGE-L F1.

    Args:
        texts: The set to start with (more can be added).
        prefilter: ``"hashing"`` (no fitting; for a set that grows) or ``"tfidf"`` (fitted on
            the set and the queries at each query; for a fixed set queried in a batch).
        candidates: How many nearest texts by the prefilter are scored exactly.

    Attributes:
        exact_comparisons: ROUGE-L scores computed so far (a caller may reset it).
    """

    def __init__(self, texts: Iterable[str] = (), *, prefilter: str = "hashing", candidates: int = 8):
        if prefilter not in PREFILTERS:
            raise UnknownIdError(f"no prefilter {prefilter!r}; choose one of {list(PREFILTERS)}." + did_you_mean(prefilter, PREFILTERS))
        if candidates < 1:
            raise UserError(f"candidates={candidates}: at least one text must be scored exactly; pass candidates >= 1")
        self.prefilter = prefilter
        self.candidates = candidates
        self._filter = _Tfidf() if prefilter == "tfidf" else _Hashing()
        self._texts: list[str] = []
        self.exact_comparisons = 0
        for text in texts:
            self.add(text)

    def __len__(self) -> int:
        return len(self._texts)

    def add(self, text: str) -> None:
        """Add ``text`` to the set (its index is the set's size before)."""
        self._texts.append(text)
        self._filter.add(text)

    def nearest(self, text: str) -> Nearest:
        """``text``'s highest ROUGE-L F1 to the set's texts, and the index of that text."""
        return self.nearest_many([text])[0]

    def nearest_many(self, texts: Sequence[str]) -> list[Nearest]:
        """:meth:`nearest` for each of ``texts`` (one prefilter pass for them all)."""
        queries = list(texts)
        if not queries or not self._texts:
            return [Nearest(0.0, None) for _ in queries]
        found = []
        for query, idx in zip(queries, self._filter.candidates(self._texts, queries, self.candidates)):
            best, best_i = 0.0, None
            for i in idx:
                self.exact_comparisons += 1
                f = rouge_l(self._texts[i], query)
                if f > best:
                    best, best_i = f, int(i)
            found.append(Nearest(best, best_i))
        return found
