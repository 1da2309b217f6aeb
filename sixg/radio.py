"""Downlink link budget from geometry, computed the way ns-3 computes it for sixg scenarios.

The ns-3 backend builds every scenario with a log-distance path loss model, isotropic
antennas, and each base station spreading its transmit power over all resource
elements of its bandwidth. So the reference-signal power a UE receives anywhere
follows from the scenario alone (it matches ns-3's measured RSRP to 0.2 dB). Tools use
this for positions where no UE is measuring (where should a UAV fly, which cell would
serve it there), and compare it with what UEs measure to spot interference nobody
modelled.

Two SINRs are given. ``sinr_db`` is what a UE reports: in these scenarios ns-3's
reference-signal SINR is the RSRP over thermal noise (plus any interferer switched on),
without the other cells, which do not collide with the serving cell's reference
signals. ``loaded_sinr_db`` counts every other cell at full power: the SINR data sees
at a cell edge when the neighbours are busy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sixg.domain import Position, SliceType
from sixg.scenario import GnbSpec, RanSpec, Scenario

SUBCARRIERS_PER_RB = 12
SUBCARRIER_HZ = 15_000.0
THERMAL_NOISE_DBM_PER_HZ = -174.0
#: Below this RSRP a UE cannot find the cell (LTE cell search sensitivity, roughly).
DETECTABLE_RSRP_DBM = -124.0
#: Below this SINR the control channels fail and the link drops.
LINK_SINR_FLOOR_DB = -6.0
#: What a UE attached to no cell is taken to get, where a number is needed (the surrogate's inputs).
DETACHED_SINR_DB = -10.0
DETACHED_RSRP_DBM = -140.0

#: SINR a slice's traffic needs to meet its targets (URLLC wants robust modulation with
#: margin; mMTC devices get by with very little).
SLICE_MIN_SINR_DB: dict[SliceType, float] = {SliceType.URLLC: 6.0, SliceType.EMBB: 3.0, SliceType.MMTC: -3.0}

# 3GPP TS 36.213 Table 7.2.3-1 (4-bit CQI): the SINR at which each CQI reaches 10 % BLER
# (the usual AWGN thresholds) and its spectral efficiency in bit/s/Hz.
_CQI_SINR_DB = (-6.7, -4.7, -2.3, 0.2, 2.4, 4.3, 5.9, 8.1, 10.3, 11.7, 14.1, 16.3, 18.7, 21.0, 22.7)
_CQI_EFFICIENCY = (
    0.1523,
    0.2344,
    0.3770,
    0.6016,
    0.8770,
    1.1758,
    1.4766,
    1.9141,
    2.4063,
    2.7305,
    3.3223,
    3.9023,
    4.5234,
    5.1152,
    5.5547,
)


def _mw(dbm: float) -> float:
    return 10.0 ** (dbm / 10.0)


def _dbm(mw: float) -> float:
    return 10.0 * math.log10(mw) if mw > 0 else -math.inf


def pathloss_db(ran: RanSpec, distance_m: float) -> float:
    """Log-distance path loss with a 1 m reference, as ns-3's LogDistancePropagationLossModel."""
    return ran.pathloss_reference_db + 10.0 * ran.pathloss_exponent * math.log10(max(distance_m, 1.0))


def re_power_dbm(ran: RanSpec, tx_power_dbm: float) -> float:
    """Power per resource element when ``tx_power_dbm`` is spread over the whole band."""
    return tx_power_dbm - 10.0 * math.log10(SUBCARRIERS_PER_RB * ran.bandwidth_rb)


def noise_per_re_dbm(ran: RanSpec) -> float:
    """Thermal noise in one 15 kHz subcarrier, plus the UE's noise figure."""
    return THERMAL_NOISE_DBM_PER_HZ + 10.0 * math.log10(SUBCARRIER_HZ) + ran.ue_noise_figure_db


def rsrp_dbm(ran: RanSpec, gnb: GnbSpec, position: Position) -> float:
    """Reference signal received power from ``gnb`` at ``position``."""
    return re_power_dbm(ran, gnb.tx_power_dbm) - pathloss_db(ran, gnb.position.distance_to(position))


@dataclass(frozen=True)
class CellSignal:
    """What a UE at a position would receive from one cell."""

    gnb: str
    distance_m: float
    rsrp_dbm: float
    #: SINR a UE served by this cell would report (noise and any extra interference).
    sinr_db: float
    #: SINR with every other cell transmitting at full power as well.
    loaded_sinr_db: float
    #: The other cells' power per resource element, dBm.
    interference_dbm: float

    @property
    def detectable(self) -> bool:
        return self.rsrp_dbm >= DETECTABLE_RSRP_DBM


def cell_signals(
    scenario: Scenario, position: Position, *, extra_interference_dbm: float | None = None
) -> list[CellSignal]:
    """Every cell's signal at ``position``, strongest first.

    Args:
        scenario: Supplies the radio settings and the base stations.
        position: Where the (possibly hypothetical) UE is.
        extra_interference_dbm: Interference per resource element on top of the other
            cells (an interferer measured elsewhere), if any.
    """
    ran = scenario.ran
    noise = _mw(noise_per_re_dbm(ran))
    extra = _mw(extra_interference_dbm) if extra_interference_dbm is not None else 0.0
    powers = [(g, rsrp_dbm(ran, g, position)) for g in scenario.gnbs]
    total = sum(_mw(p) for _, p in powers)
    out = []
    for g, p in powers:
        others = total - _mw(p)
        out.append(
            CellSignal(
                gnb=g.id,
                distance_m=g.position.distance_to(position),
                rsrp_dbm=p,
                sinr_db=p - _dbm(noise + extra),
                loaded_sinr_db=p - _dbm(noise + extra + others),
                interference_dbm=_dbm(others) if others > 0 else -math.inf,
            )
        )
    out.sort(key=lambda c: c.rsrp_dbm, reverse=True)
    return out


def signal_from(scenario: Scenario, position: Position, gnb: str) -> CellSignal:
    """The signal of one named cell at ``position`` (as if it served the UE there)."""
    for c in cell_signals(scenario, position):
        if c.gnb == gnb:
            return c
    raise KeyError(gnb)


def best_cell(scenario: Scenario, position: Position) -> CellSignal:
    """The strongest cell at ``position`` (the one an idle UE would camp on)."""
    return cell_signals(scenario, position)[0]


def cqi(sinr_db: float) -> int:
    """Channel quality indicator 0-15 a UE would report at ``sinr_db`` (0: out of range)."""
    return sum(1 for threshold in _CQI_SINR_DB if sinr_db >= threshold)


def spectral_efficiency(sinr_db: float) -> float:
    """Bit/s/Hz of the CQI reached at ``sinr_db`` (0 when out of range)."""
    level = cqi(sinr_db)
    return _CQI_EFFICIENCY[level - 1] if level > 0 else 0.0


def cell_rate_mbps(ran: RanSpec, sinr_db: float) -> float:
    """Downlink rate one UE would get with the whole cell to itself at ``sinr_db``."""
    bandwidth_hz = ran.bandwidth_rb * SUBCARRIERS_PER_RB * SUBCARRIER_HZ
    # About a quarter of the resource elements carry reference signals and control.
    return spectral_efficiency(sinr_db) * bandwidth_hz * 0.75 / 1e6


class Geometry:
    """The same link budget as :func:`cell_signals`, vectorised over many positions.

    Built once per scenario; the surrogate backend evaluates every UE of a window in a
    single call instead of one Python loop per UE and cell.
    """

    def __init__(self, scenario: Scenario):
        import numpy as np

        self._np = np
        ran = scenario.ran
        self.gnb_ids = tuple(g.id for g in scenario.gnbs)
        self._gnb_xyz = np.array([[g.position.x, g.position.y, g.position.z] for g in scenario.gnbs], dtype=float)
        self._re_dbm = np.array([re_power_dbm(ran, g.tx_power_dbm) for g in scenario.gnbs], dtype=float)
        self._ref, self._exp = ran.pathloss_reference_db, ran.pathloss_exponent
        self._noise_mw = _mw(noise_per_re_dbm(ran))
        self._interferers = {i.gnb: (i.position.x, i.position.y, i.position.z) for i in scenario.interferers}
        self._ran = ran

    def rsrp_dbm(self, xyz):
        """(U, 3) positions -> (U, G) RSRP of every cell, dBm."""
        np = self._np
        d = np.linalg.norm(np.asarray(xyz, dtype=float)[:, None, :] - self._gnb_xyz[None], axis=-1)
        return self._re_dbm[None] - (self._ref + 10.0 * self._exp * np.log10(np.maximum(d, 1.0)))

    def interference_mw(self, xyz, gnb: str, power_dbm: float):
        """(U,) power per resource element an interferer near ``gnb`` puts at each position, mW."""
        np = self._np
        d = np.linalg.norm(np.asarray(xyz, dtype=float) - np.asarray(self._interferers[gnb])[None], axis=-1)
        dbm = re_power_dbm(self._ran, power_dbm) - (self._ref + 10.0 * self._exp * np.log10(np.maximum(d, 1.0)))
        return 10.0 ** (dbm / 10.0)

    def served(self, xyz, serving: list[str | None], extra_mw=None):
        """(SINR dB, RSRP dBm) per position from its serving cell (:data:`DETACHED_SINR_DB`,
        :data:`DETACHED_RSRP_DBM` if detached)."""
        np = self._np
        rsrp = self.rsrp_dbm(xyz)
        idx = np.array([self.gnb_ids.index(g) if g in self.gnb_ids else -1 for g in serving])
        own = np.where(idx >= 0, rsrp[np.arange(len(idx)), np.maximum(idx, 0)], DETACHED_RSRP_DBM)
        noise = self._noise_mw + (extra_mw if extra_mw is not None else 0.0)
        sinr = np.where(idx >= 0, own - 10.0 * np.log10(noise), DETACHED_SINR_DB)
        return sinr, own

    def control_sinr_db(self, xyz, serving: list[str | None]):
        """(U,) SINR of each position's serving cell with every other cell and noise as interference
        (``loaded_sinr_db`` of :func:`cell_signals`): what ns-3's radio link monitoring compares with
        ``Qout`` (-inf if detached)."""
        np = self._np
        rsrp_mw = 10.0 ** (self.rsrp_dbm(xyz) / 10.0)
        idx = np.array([self.gnb_ids.index(g) if g in self.gnb_ids else -1 for g in serving])
        own = np.where(idx >= 0, rsrp_mw[np.arange(len(idx)), np.maximum(idx, 0)], 0.0)
        with np.errstate(divide="ignore"):
            return 10.0 * np.log10(own / (rsrp_mw.sum(axis=1) - own + self._noise_mw))
