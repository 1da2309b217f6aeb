"""The link budget from geometry: it reproduces ns-3's RSRP and moves the right way with distance."""

from __future__ import annotations

import math

import pytest

from sixg import radio
from sixg.domain import Position
from sixg.scenario import generate

ONE_CELL = generate(3, split="train")
TWO_CELLS = generate(6, split="train")


def test_rsrp_matches_ns3_measurement():
    """ue-0 of seed 3 measured -104.31 dBm in ns-3; the formula gives the same to 0.01 dB."""
    ue = ONE_CELL.ue("ue-0")
    assert radio.rsrp_dbm(ONE_CELL.ran, ONE_CELL.gnb("gnb-0"), ue.position) == pytest.approx(-104.3056, abs=0.01)


def test_reported_sinr_is_rsrp_over_noise():
    """What a UE reports is RSRP over thermal noise per resource element (ns-3's RS-SINR here)."""
    ue = ONE_CELL.ue("ue-0")
    c = radio.best_cell(ONE_CELL, ue.position)
    noise = -174 + 10 * math.log10(15_000) + ONE_CELL.ran.ue_noise_figure_db
    assert c.sinr_db == pytest.approx(c.rsrp_dbm - noise)
    assert c.loaded_sinr_db == c.sinr_db  # no other cell to interfere


def test_signal_falls_with_distance_and_neighbours_interfere():
    """Further away is weaker; with busy neighbours the SINR is lower, and lowest between the cells."""
    g0, g1 = TWO_CELLS.gnbs
    near = Position(x=g0.position.x + 50, y=g0.position.y, z=1.5)
    far = Position(x=g0.position.x + 300, y=g0.position.y, z=1.5)
    assert radio.signal_from(TWO_CELLS, near, g0.id).rsrp_dbm > radio.signal_from(TWO_CELLS, far, g0.id).rsrp_dbm
    mid = Position(x=(g0.position.x + g1.position.x) / 2, y=(g0.position.y + g1.position.y) / 2, z=1.5)
    edge = radio.best_cell(TWO_CELLS, mid)
    assert edge.loaded_sinr_db < edge.sinr_db
    assert edge.loaded_sinr_db < radio.best_cell(TWO_CELLS, near).loaded_sinr_db
    assert radio.best_cell(TWO_CELLS, near).gnb == g0.id


def test_cqi_and_rate_grow_with_sinr():
    """CQI, spectral efficiency and rate are monotone in SINR; out of range gives zero."""
    sinrs = [-10, -5, 0, 5, 10, 15, 20, 25]
    cqis = [radio.cqi(s) for s in sinrs]
    assert cqis == sorted(cqis) and cqis[0] == 0 and cqis[-1] == 15
    assert radio.cell_rate_mbps(ONE_CELL.ran, -10) == 0.0
    assert radio.cell_rate_mbps(ONE_CELL.ran, 25) > radio.cell_rate_mbps(ONE_CELL.ran, 10) > 0


def test_extra_interference_lowers_sinr():
    """An interferer's power (e.g. a jammer) comes off the reported SINR."""
    p = ONE_CELL.ue("ue-0").position
    clean = radio.best_cell(ONE_CELL, p).sinr_db
    jammed = radio.cell_signals(ONE_CELL, p, extra_interference_dbm=-110.0)[0].sinr_db
    assert jammed < clean - 5
