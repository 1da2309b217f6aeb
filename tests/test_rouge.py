"""ROUGE-L nearest-neighbour search (sixg.rouge), with either prefilter."""

from __future__ import annotations

import pytest

from sixg.errors import UnknownIdError, UserError
from sixg.rouge import PREFILTERS, Nearest, RougeIndex, rouge_l

TEXTS = [
    "Switch the factory service from eMBB to URLLC and confirm the latency drops",
    "Raise a battery alert for uav-2 and broadcast that it is holding position",
    "Move uav-1 to 80 m altitude and report its new position",
    "Offload the video analytics job from edge-1 to edge-3 before the load peaks",
    "Check the network state and hand over the users on gnb-2 to gnb-4",
    "Report the jitter and loss rate on the URLLC slice for the last window",
]


@pytest.mark.parametrize("prefilter", PREFILTERS)
def test_a_text_in_the_set_is_its_own_nearest_at_one(prefilter):
    """A text already in the set is found, at its own index, with ROUGE-L 1.0."""
    index = RougeIndex(TEXTS, prefilter=prefilter, candidates=2)
    assert index.nearest_many(TEXTS) == [Nearest(1.0, i) for i in range(len(TEXTS))]


@pytest.mark.parametrize("prefilter", PREFILTERS)
def test_nearest_is_the_exact_rouge_l_best_among_the_candidates(prefilter):
    """The nearest is the candidate with the highest exact ROUGE-L, not the one the prefilter ranks first."""
    query = "restart edge server three before the video load peaks"
    scrambled = "peaks load video the before three server edge restart"  # every word shared: the vectors' nearest
    padded = "please restart that old edge box number three right before all of our streamed video load finally peaks today"
    texts = TEXTS + [scrambled, padded]
    found = RougeIndex(texts, prefilter=prefilter, candidates=3).nearest(query)
    assert found == Nearest(rouge_l(padded, query), len(texts) - 1)
    assert found.score == max(rouge_l(t, query) for t in texts) > rouge_l(scrambled, query)


def test_an_empty_set_has_no_nearest():
    """Against an empty set every query scores 0.0 and names no text; added texts are then searched."""
    index = RougeIndex(prefilter="hashing")
    assert index.nearest(TEXTS[0]) == Nearest(0.0, None)
    index.add(TEXTS[0])
    assert index.nearest(TEXTS[0]) == Nearest(1.0, 0) and len(index) == 1


def test_bad_settings_are_refused():
    """An unknown prefilter or no candidates raises a typed error saying what to pass."""
    with pytest.raises(UnknownIdError, match="Did you mean 'tfidf'"):
        RougeIndex(prefilter="tf-idf")
    with pytest.raises(UserError, match="candidates >= 1"):
        RougeIndex(candidates=0)


def test_rouge_l_is_rouge_score_s_own_figure():
    """The bit-parallel ROUGE-L gives exactly rouge-score's F1, on real intents, random token strings and edge cases."""
    import random

    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    rng = random.Random(7)
    words = ["a", "b", "c", "d", "e", "uav", "1", "gnb"]
    pairs = [(a, b) for a in TEXTS for b in TEXTS]
    pairs += [(" ".join(rng.choices(words, k=rng.randint(0, 90))), " ".join(rng.choices(words, k=rng.randint(0, 90)))) for _ in range(400)]
    pairs += [("", "x"), ("x", ""), ("", ""), ("!!", "x y"), ("Same CASE", "same case")]
    for ref, text in pairs:
        assert rouge_l(ref, text) == scorer.score(ref, text)["rougeL"].fmeasure, (ref, text)
    index = RougeIndex([ref for ref, _ in pairs[:60]], prefilter="hashing", candidates=60)
    for _, text in pairs[:60]:
        found = index.nearest(text)
        assert found.score == max(scorer.score(ref, text)["rougeL"].fmeasure for ref, _ in pairs[:60])
