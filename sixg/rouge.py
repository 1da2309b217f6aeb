"""ROUGE-L nearest-neighbour search: for a text, the most similar of a set of texts by ROUGE-L F1.

Both de-duplications in sixg use it: the benchmark build keeps benchmark intents apart from
training intents (:func:`sixg.bench.build.rouge_l_max`) and 6G-Forge refuses near-duplicates of
its growing pool (:class:`sixg.forge.dedup.DedupIndex`).

Exact ROUGE-L is ``rouge-score``'s longest-common-subsequence F1 over its default tokenisation,
no stemming: the tokens are that library's, the LCS length is computed bit-parallel (one
big-integer step per token instead of a row of its Python table; the same floats, tested) and
each set text is tokenised once. Scoring every text of a large set is still too slow, so a cheap prefilter first picks
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
def _tokenizer():
    from rouge_score import tokenizers

    return tokenizers.DefaultTokenizer(use_stemmer=False)  # what RougeScorer(["rougeL"], use_stemmer=False) reads with


def tokens(text: str) -> list[str]:
    """``text`` in ``rouge-score``'s tokens (lower-cased alphanumeric runs), as its ROUGE-L reads it."""
    return _tokenizer().tokenize(text)


def _masks(toks: Sequence[str]) -> dict[str, int]:
    """For each distinct token, the bit set of the positions where it occurs."""
    masks: dict[str, int] = {}
    for i, tok in enumerate(toks):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    return masks


def _lcs(masks: dict[str, int], n: int, other: Sequence[str]) -> int:
    """Length of the longest common subsequence of a sequence of ``n`` tokens (given as its
    :func:`_masks`) and ``other``: the bit-parallel recurrence (Allison-Dix, Hyyro), one big-integer
    step per token of ``other`` instead of a row of the dynamic-programming table."""
    full = (1 << n) - 1
    v = full
    for tok in other:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
    return n - v.bit_count()


def _f1(masks: dict[str, int], n_text: int, reference: Sequence[str]) -> float:
    """ROUGE-L F1 of a text of ``n_text`` tokens (given as its :func:`_masks`) against the
    ``reference`` tokens, computed exactly as ``rouge-score`` computes it from the LCS length."""
    if not reference or not n_text:
        return 0.0
    lcs = _lcs(masks, n_text, reference)
    precision, recall = lcs / n_text, lcs / len(reference)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def rouge_l(reference: str, text: str) -> float:
    """Exact ROUGE-L F1 of ``text`` against ``reference`` (1.0 for identical texts); the same
    float ``rouge-score``'s ``RougeScorer(["rougeL"]).score(reference, text)`` gives."""
    txt = tokens(text)
    return _f1(_masks(txt), len(txt), tokens(reference))


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
    """Hashed n-gram cosine, added to one text at a time; candidates by a partial sort.

    The set's vectors are kept in blocks stored by column (n-gram), so a query's similarities are
    summed over the columns of its own n-grams only, not over every entry of the set; within a
    row the sums run in the same order, so to the same floats, as a row-by-row product. New rows
    gather in a small block of rows; full blocks merge with equal-sized ones, so each row is
    copied only a logarithmic number of times as the set grows."""

    BLOCK = 512

    def __init__(self):
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vec = HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False, norm="l2")
        self._blocks: list = []  # stored by column, oldest first; sizes BLOCK * 2**i, decreasing
        self._recent = None  # rows added since the last full block, stored by row

    def add(self, text: str) -> None:
        import scipy.sparse as sp

        row = self._vec.transform([text])
        self._recent = row if self._recent is None else sp.vstack([self._recent, row])
        if self._recent.shape[0] >= self.BLOCK:
            block, self._recent = self._recent.tocsc(), None
            while self._blocks and self._blocks[-1].shape[0] == block.shape[0]:
                block = sp.vstack([self._blocks.pop(), block], format="csc")
            self._blocks.append(block)

    def similarities(self, query: str) -> np.ndarray:
        """Cosine similarity of ``query`` to each text added, in the order added."""
        q = self._vec.transform([query])
        parts = [block[:, q.indices] @ q.data for block in self._blocks]
        if self._recent is not None:  # a few rows: one product with the query as a dense vector is cheaper than selecting columns
            dense = np.zeros(q.shape[1])
            dense[q.indices] = q.data
            parts.append(self._recent @ dense)
        return np.concatenate(parts)

    def candidates(self, texts: list[str], queries: list[str], k: int) -> list[np.ndarray]:
        out = []
        for query in queries:
            sims = self.similarities(query)
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
        self._tokens: list[list[str]] = []  # each text's tokens, read once
        self.exact_comparisons = 0
        for text in texts:
            self.add(text)

    def __len__(self) -> int:
        return len(self._texts)

    def add(self, text: str) -> None:
        """Add ``text`` to the set (its index is the set's size before)."""
        self._texts.append(text)
        self._tokens.append(tokens(text))
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
            q = tokens(query)
            masks = _masks(q)
            for i in idx:
                self.exact_comparisons += 1
                f = _f1(masks, len(q), self._tokens[i])
                if f > best:
                    best, best_i = f, int(i)
            found.append(Nearest(best, best_i))
        return found
