"""Scoring arithmetic: tiers, SPL, confidence intervals and pass^k on hand-made outcomes."""

import pytest

from sixg.bench.scoring import Outcome, breakdown, pass_hat_k, pass_k_table, score, spl, tier_of, wilson


def test_tiers_follow_reference_length():
    """L1 is up to 3 steps, L2 4-7, L3 8 or more."""
    assert [tier_of(n) for n in (1, 3, 4, 7, 8, 20)] == ["L1", "L1", "L2", "L2", "L3", "L3"]
    with pytest.raises(ValueError):
        tier_of(0)


def test_spl_arithmetic():
    """A success on the reference path scores 1; a longer path scores the ratio; a failure 0."""
    assert spl(True, 4, 4) == 1.0
    assert spl(True, 4, 3) == 1.0  # shorter than the reference is not rewarded beyond 1
    assert spl(True, 4, 8) == 0.5
    assert spl(False, 4, 4) == 0.0


def test_score_of_hand_made_outcomes():
    """SR and SPL of a small set, with intervals that contain them."""
    outs = [
        Outcome("a", "L1", "network_slicing", True, 3, 3),
        Outcome("b", "L1", "network_slicing", True, 6, 3),
        Outcome("c", "L2", "edge_offloading", False, 9, 5),
        Outcome("d", "L3", "uav_control", False, 30, 9),
    ]
    s = score(outs)
    assert s.sr == 0.5
    assert s.spl == pytest.approx((1.0 + 0.5 + 0 + 0) / 4)
    assert s.sr_ci[0] < 0.5 < s.sr_ci[1]
    b = breakdown(outs)
    assert b["tiers"]["L1"]["sr"] == 1.0 and b["tiers"]["L2"]["sr"] == 0.0
    assert b["domains"]["network_slicing"]["spl"] == pytest.approx(0.75)


def test_wilson_interval_edges():
    """Wilson intervals stay in [0, 1] and shrink with more trials."""
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert (wilson(50, 100)[1] - wilson(50, 100)[0]) < (wilson(5, 10)[1] - wilson(5, 10)[0])


def test_pass_hat_k():
    """pass^k is 1 when every trial succeeds, 0 when fewer than k did, and C(c,k)/C(n,k) between."""
    assert pass_hat_k(4, 4, 2) == 1.0
    assert pass_hat_k(4, 1, 2) == 0.0
    assert pass_hat_k(4, 2, 2) == pytest.approx(1 / 6)
    outs = [Outcome("t", "L1", "network_slicing", s, 3, 3, trial=i) for i, s in enumerate([True, True, False, True])]
    assert pass_k_table(outs, [1, 2])[1] == pytest.approx(0.75)
    assert pass_k_table(outs, [2])[2] == pytest.approx(3 / 6)
