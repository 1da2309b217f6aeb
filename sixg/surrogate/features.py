"""Feature and target encoding of transitions, shared by training and the live backend.

A transition is (what the network looked like up to window i, what happened at the
start of window i+1) -> (window i+1). Training reads it from trace rows, the
surrogate backend from its own bookkeeping; both hand what they know to the one
:func:`build_context` and encode the result with :func:`encode_inputs`, so what the
model is served is what it was trained on (a test builds both from the same episode).

Inputs are plain numbers in a fixed order (:data:`INPUT_NAMES`); the schema's hash is
stored in every checkpoint and a checkpoint made for another schema is refused. A
:class:`FeatureSet` names optional inputs appended after them (where each state came
from, the service's cell change and margin); a checkpoint records the set it was
trained with, and one without a record takes none (the encoding and hash as before).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from sixg.actions import ACTION_ADAPTER, Action, Degradation, GracefulDegradation, Handover, SetUavPlan
from sixg.domain import SLICES, Position, SliceType
from sixg.errors import CheckpointMismatch
from sixg.radio import DETACHED_RSRP_DBM, DETACHED_SINR_DB, CellSignal, cell_signals
from sixg.scenario import Scenario, generate, split_of

FEATURE_SCHEMA_VERSION = 2
HISTORY = 2  # previous windows fed to the model besides the current one

SLICE_NAMES = tuple(s.value for s in SLICES)
ACTION_KINDS = ("none", "switch_slice", "reallocate", "offload", "degrade", "handover", "uav_plan")
DEGRADATION_KINDS = ("interference", "backhaul", "congestion", "edge_overload", "uav_drift")
CELL_KINDS = ("interference", "backhaul", "congestion")

#: The five continuous dimensions, each in the space the model predicts it in.
DIMENSIONS = ("latency_ms", "jitter_ms", "loss_rate", "throughput_mbps", "edge_load")
#: Extra detail the model predicts (median only), for the snapshot's per-slice and edge parts.
EXTRAS = (
    "service_oneway_ms",
    "service_latency_max_ms",
    "edge_queue_jobs",
    "edge_dropped",
    *(f"{s}_{k}" for s in ("embb", "urllc", "mmtc") for k in ("latency_ms", "loss_rate", "throughput_mbps")),
)


def _transform(name: str) -> str:
    """How a quantity is mapped to model space: "log" (log1p), "ratio" (of offered load) or "unit"."""
    if name == "throughput_mbps":
        return "ratio"
    if name in ("loss_rate", "edge_load") or name.endswith("_loss_rate"):
        return "unit"
    return "log"  # latencies, jitter, queue, drops, per-slice throughput: positive and skewed


def to_model_space(name: str, values: np.ndarray, offered: np.ndarray | float) -> np.ndarray:
    """Map a dimension (or extra) from its unit to the space the model predicts it in."""
    v = np.asarray(values, dtype=np.float64)
    kind = _transform(name)
    if kind == "log":
        return np.log1p(np.maximum(v, 0.0))
    if kind == "ratio":
        return v / offered
    return v


def from_model_space(name: str, values: np.ndarray, offered: np.ndarray | float) -> np.ndarray:
    """Inverse of :func:`to_model_space`, clipped to the quantity's valid range."""
    v = np.asarray(values, dtype=np.float64)
    kind = _transform(name)
    if kind == "log":
        return np.maximum(np.expm1(v), 0.0)
    if kind == "ratio":
        return np.maximum(v * offered, 0.0)
    return np.clip(v, 0.0, 1.0)


def input_state_of(values: np.ndarray) -> np.ndarray:
    """Predicted dimensions in model space (last axis: :data:`DIMENSIONS`) as the state inputs they become
    when fed back (what :func:`from_model_space` then :func:`encode_inputs` make of them, in one step)."""
    v = np.asarray(values, dtype=np.float64)
    log, ratio = _kind_masks(DIMENSIONS)
    return np.where(log | ratio, np.maximum(v, 0.0), np.clip(v, 0.0, 1.0))


@lru_cache(maxsize=None)
def _kind_masks(names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``names`` are mapped as logs, and which as ratios of the offered load (the rest are units)."""
    kinds = [_transform(n) for n in names]
    return np.array([k == "log" for k in kinds]), np.array([k == "ratio" for k in kinds])


def from_model_space_many(names: tuple[str, ...], values: np.ndarray, offered: float) -> np.ndarray:
    """:func:`from_model_space` for several quantities at once: the last axis of ``values`` follows
    ``names``; ``offered`` is one scenario's offered load (a scalar)."""
    v = np.asarray(values, dtype=np.float64)
    log, ratio = _kind_masks(tuple(names))
    # Every mapping on every value, each value keeping its own: a few whole-array calls beat gathering groups.
    return np.where(log, np.maximum(np.expm1(v), 0.0), np.where(ratio, np.maximum(v * offered, 0.0), np.clip(v, 0.0, 1.0)))


# --- per-scenario constants -----------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioFeatures:
    """What the model knows about a scenario that never changes during an episode."""

    offered_mbps: float
    cloud_delay_ms: float
    edge_capacity: float
    tenant_fraction: float
    service_edge_load: float  # the service's jobs as a fraction of edge capacity
    n_gnbs: int
    n_ues: int
    service_on_uav: bool
    mmtc_cap_ratio: float
    #: Per cell: (capacity estimate Mbit/s, {slice: background demand Mbit/s}) of the UEs it serves at the start.
    cells: dict

    @classmethod
    def of(cls, sc: Scenario) -> ScenarioFeatures:
        return cls(
            offered_mbps=sc.service.offered_mbps,
            cloud_delay_ms=sc.cloud.link_delay_ms,
            edge_capacity=sc.edge.capacity_jobs_s,
            tenant_fraction=sc.edge.tenant_load_jobs_s / sc.edge.capacity_jobs_s,
            service_edge_load=sc.service.request_rate_hz / sc.edge.capacity_jobs_s,
            n_gnbs=len(sc.gnbs),
            n_ues=len(sc.ues),
            service_on_uav=sc.service.ue.startswith("uav"),
            mmtc_cap_ratio=min(1.0, 0.8 / sc.service.offered_mbps),
            cells=_cell_loads(sc),
        )


def _cell_loads(sc: Scenario) -> dict:
    """Each cell's capacity estimate (from the SINR of the UEs it serves, by geometry) and the
    background load each slice offers in it -- what a congestion surge competes with."""
    from sixg.radio import spectral_efficiency

    serving = {u.id: cell_signals(sc, u.position)[0] for u in sc.ues}
    bandwidth_mhz = sc.ran.bandwidth_rb * 0.18
    out = {}
    for g in sc.gnbs:
        ues = [u for u, c in serving.items() if c.gnb == g.id]
        eff = [spectral_efficiency(serving[u].sinr_db) for u in ues] or [spectral_efficiency(20.0)]
        demand = {name: 0.0 for name in SLICE_NAMES}
        for f in sc.flows:
            if serving[f.ue].gnb == g.id:
                demand[f.slice.value] += f.rate_bps / 1e6
        out[g.id] = (bandwidth_mhz * sum(eff) / len(eff), demand)
    return out


def cell_load_ratio(sf: ScenarioFeatures, sc: Scenario, cell: str | None, shares: dict[str, float], shaped: dict[str, float], surge_mbps: float, service_here: bool) -> float:
    """Offered load in the service's cell over its capacity estimate, each slice's background
    (and an eMBB surge) policed to its share as the network does it (capped at 3)."""
    if cell is None or cell not in sf.cells:
        return 0.0
    capacity, demand = sf.cells[cell]
    total = 0.0
    for name in SLICE_NAMES:
        want = demand[name] * (1.0 - shaped.get(name, 0.0))
        if name == "eMBB":
            want += surge_mbps * (1.0 - shaped.get(name, 0.0))
        total += min(want, shares[name] * sc.ran.nominal_cell_capacity_mbps)
    if service_here:
        total += sf.offered_mbps
    return min(3.0, total / max(capacity, 0.1))


def _cells_at(sc: Scenario, x: float, y: float, z: float) -> list[CellSignal]:
    """Every cell's signal at (x, y, z) by :func:`sixg.radio.cell_signals` (no interferer: an
    interferer's effect is learned from its severity), strongest first; a height below ground
    counts as ground level. The point is not validated (``model_construct``): a feature of any
    position a trace or a backend reports is a number, never an error."""
    return cell_signals(sc, Position.model_construct(x=float(x), y=float(y), z=max(float(z), 0.0)))


def _signal_of(cells: list[CellSignal], gnb: str | None) -> tuple[float, float]:
    for c in cells:
        if c.gnb == gnb:
            return c.sinr_db, c.rsrp_dbm
    return DETACHED_SINR_DB, DETACHED_RSRP_DBM


def _margin_of(cells: list[CellSignal], gnb: str | None) -> float:
    best = cells[0]
    for c in cells:
        if c.gnb == gnb:
            return c.rsrp_dbm - best.rsrp_dbm
    return DETACHED_SINR_DB - best.sinr_db


def geometric_signal(sc: Scenario, x: float, y: float, z: float, gnb: str | None) -> tuple[float, float]:
    """(SINR dB, RSRP dBm) a UE at (x, y, z) would get from ``gnb`` by geometry alone: that cell's
    ``sinr_db`` and ``rsrp_dbm`` of :func:`sixg.radio.cell_signals`, or :data:`sixg.radio.DETACHED_SINR_DB`
    / :data:`sixg.radio.DETACHED_RSRP_DBM` when detached (``gnb`` None or not a cell of ``sc``)."""
    if gnb is None:
        return DETACHED_SINR_DB, DETACHED_RSRP_DBM
    return _signal_of(_cells_at(sc, x, y, z), gnb)


def geometric_margin(sc: Scenario, x: float, y: float, z: float, gnb: str | None) -> float:
    """How many dB the geometric SINR (or RSRP: the noise is the same for every cell) of ``gnb`` at
    (x, y, z) lies below the strongest cell's there: 0 on the best cell, negative on a weaker one,
    and :data:`sixg.radio.DETACHED_SINR_DB` less the best cell's SINR when detached."""
    return _margin_of(_cells_at(sc, x, y, z), gnb)


# --- the input columns ---------------------------------------------------------------------

_STATE = ("log_latency", "log_jitter", "loss", "thr_ratio", "edge_load")
INPUT_NAMES: tuple[str, ...] = (
    *(f"slice_{s}" for s in SLICE_NAMES),
    *_STATE,
    *(f"d{k}_{n}" for k in range(1, HISTORY + 1) for n in _STATE),
    *(f"act_{a}" for a in ACTION_KINDS),
    *(f"switch_to_{s}" for s in SLICE_NAMES),
    *(f"realloc_{s}" for s in SLICE_NAMES),
    "realloc_share",
    "offload_dir",
    *(f"degrade_{s}" for s in SLICE_NAMES),
    "degrade_fraction",
    "degrade_shed",
    "handover_gain_db",
    "handover_service",
    "uav_plan_service",
    *(f"onset_{k}" for k in DEGRADATION_KINDS),
    *(f"recovery_{k}" for k in DEGRADATION_KINDS),
    *(f"{k}_here" for k in ("interference_dbm", "backhaul_delay", "backhaul_loss", "congestion")),
    *(f"{k}_other" for k in ("interference_dbm", "backhaul_delay", "backhaul_loss", "congestion")),
    "edge_overload",
    "drift_service",
    "drift_other",
    "host_edge",
    *(f"share_{s}" for s in SLICE_NAMES),
    *(f"shaped_{s}" for s in SLICE_NAMES),
    "geo_sinr",
    "geo_rsrp",
    "geo_sinr_change",
    "cell_load",
    "offered",
    "cloud_delay",
    "edge_capacity",
    "tenant_fraction",
    "service_edge_load",
    "n_gnbs",
    "n_ues",
    "service_on_uav",
    "mmtc_cap_ratio",
)
_COLUMN = {n: i for i, n in enumerate(INPUT_NAMES)}


#: Optional inputs: whether each state of the input (current, then each earlier one) is the model's own prediction.
PROVENANCE_INPUTS = tuple(f"own_state_{k}" for k in range(HISTORY + 1))
#: Optional inputs: the service cell's geometric margin to the best cell, and windows since the cell changed.
HANDOVER_INPUTS = ("serving_margin", "since_cell_change")
#: Windows since the service's cell changed are counted up to this (and start here: no change seen yet).
SINCE_CHANGE_CAP = 10


@dataclass(frozen=True)
class FeatureSet:
    """Which optional inputs a model takes, appended after :data:`INPUT_NAMES` in this order.

    Attributes:
        provenance: One flag per state of the input (:data:`PROVENANCE_INPUTS`): 1 where it
            is the model's own prediction, 0 where a network measured it.
        handover: :data:`HANDOVER_INPUTS`: the service cell's geometric SINR margin against
            the strongest cell at the UE's position, and windows since its cell changed.
    """

    provenance: bool = False
    handover: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return _names(self)

    def as_config(self) -> dict[str, bool]:
        return {"provenance": self.provenance, "handover": self.handover}

    @classmethod
    def of_config(cls, entry: object) -> FeatureSet:
        """The set a checkpoint config records (``None``: a checkpoint made before sets existed, so none)."""
        if entry is None:
            return cls()
        if not isinstance(entry, dict) or set(entry) - {"provenance", "handover"} or not all(isinstance(v, bool) for v in entry.values()):
            raise CheckpointMismatch(
                f"the checkpoint's 'features' entry {entry!r} is not a feature set (an object of booleans 'provenance' and 'handover'); retrain it"
            )
        return cls(**entry)


#: What every model takes: :data:`INPUT_NAMES` and nothing else (the shipped checkpoint's set).
BASE = FeatureSet()


@lru_cache(maxsize=None)
def _names(features: FeatureSet) -> tuple[str, ...]:
    return (*INPUT_NAMES, *(PROVENANCE_INPUTS if features.provenance else ()), *(HANDOVER_INPUTS if features.handover else ()))


def schema_fingerprint(features: FeatureSet = BASE) -> str:
    """Hash of everything that defines the encoding; checkpoints carry it. The base set hashes
    exactly as before optional inputs existed, so earlier checkpoints still match."""
    blob = {"v": FEATURE_SCHEMA_VERSION, "inputs": INPUT_NAMES, "dims": DIMENSIONS, "extras": EXTRAS, "slices": SLICE_NAMES, "actions": ACTION_KINDS}
    if features != BASE:
        blob["optional"] = features.names[len(INPUT_NAMES) :]
        blob["since_change_cap"] = SINCE_CHANGE_CAP
    return hashlib.sha256(json.dumps(blob).encode()).hexdigest()[:16]


State = tuple[str, float, float, float, float, float]


@dataclass
class Context:
    """The model's view of one transition, in plain numbers (one row of features).

    Made only by :func:`build_context`, from trace rows for training and from the
    surrogate backend's bookkeeping when serving. ``states`` holds the current state
    first, then up to :data:`HISTORY` earlier ones, each as (slice, latency, jitter,
    loss, throughput, edge_load) in natural units.
    """

    states: list[State]
    action: Action | None
    handover_gain_db: float
    handover_service: bool
    uav_plan_service: bool
    onsets: tuple[str, ...]
    recoveries: tuple[str, ...]
    here: dict[str, float]  # interference_dbm, backhaul_delay, backhaul_loss, congestion on the service's cell
    other: dict[str, float]
    edge_overload: float
    drift_service: float
    drift_other: float
    host_edge: bool
    shares: dict[str, float]
    shaped: dict[str, float]
    geo_sinr_db: float
    geo_rsrp_dbm: float
    geo_sinr_prev_db: float
    cell_load: float = 0.0
    own: tuple[bool, ...] = ()
    serving_margin_db: float = 0.0
    since_cell_change: int = SINCE_CHANGE_CAP


def build_context(
    sc: Scenario,
    sf: ScenarioFeatures,
    *,
    states: list[State],
    action: Action | None,
    onsets: tuple[str, ...],
    recoveries: tuple[str, ...],
    active: dict[str, Degradation],
    source_gnb: str | None,
    gnb: str | None,
    position_before: tuple[float, float, float],
    position: tuple[float, float, float],
    geo_sinr_prev_db: float,
    host: str,
    shares: dict[str, float],
    shaped: dict[str, float],
    own: Sequence[bool] = (),
    since_cell_change_before: int = SINCE_CHANGE_CAP,
) -> Context:
    """The model's inputs for one window: the one place they are made, for training and serving alike.

    Args:
        states: The current state first, then earlier ones (at most :data:`HISTORY` used).
        action: The one action of the window the model sees (never a degradation event).
        onsets, recoveries: Kinds of the degradations that start or end this window.
        active: The degradations active during the window, by kind (after its events).
        source_gnb: The service UE's cell at the start of the window.
        gnb: Its cell during the window (the target of its handover, if it has one).
        position_before, position: The service UE at the start and at the end of the window.
        geo_sinr_prev_db: The previous window's ``geo_sinr_db``.
        host, shares, shaped: Where the service's jobs run, each slice's share and
            shaped fraction, after the window's action.
        own: Per state of ``states``, whether it is the model's own prediction (default: all measured).
        since_cell_change_before: The previous window's ``since_cell_change``.
    """
    service = sc.service.ue
    here: dict[str, float] = {}
    other: dict[str, float] = {}
    for kind, ev in active.items():
        if kind not in CELL_KINDS:
            continue
        d = here if ev.gnb == gnb else other
        if kind == "interference":
            d["interference_dbm"] = ev.power_dbm
        elif kind == "backhaul":
            d["backhaul_delay"] = ev.extra_delay_ms
            d["backhaul_loss"] = ev.loss_rate
        else:
            d["congestion"] = ev.rate_mbps
    gain, ho_service, plan_service = 0.0, False, False
    if isinstance(action, Handover) and action.ue == service:
        ho_service = True
        before = _cells_at(sc, *position_before)
        gain = _signal_of(before, action.target_gnb)[0] - _signal_of(before, source_gnb)[0]
    elif isinstance(action, SetUavPlan):
        plan_service = action.uav == service
    cells = _cells_at(sc, *position)  # one link budget for the signal and the margin
    geo_sinr, geo_rsrp = _signal_of(cells, gnb)
    surge = active.get("congestion")
    drift = active.get("uav_drift")
    overload = active.get("edge_overload")
    return Context(
        states=states[: HISTORY + 1],
        action=action,
        handover_gain_db=gain,
        handover_service=ho_service,
        uav_plan_service=plan_service,
        onsets=tuple(onsets),
        recoveries=tuple(recoveries),
        here=here,
        other=other,
        edge_overload=float(overload.extra_load) if overload is not None else 0.0,
        drift_service=float(drift.speed_mps) if drift is not None and drift.uav == service else 0.0,
        drift_other=float(drift.speed_mps) if drift is not None and drift.uav != service else 0.0,
        host_edge=host == "edge",
        shares=dict(shares),
        shaped=dict(shaped),
        geo_sinr_db=geo_sinr,
        geo_rsrp_dbm=geo_rsrp,
        geo_sinr_prev_db=geo_sinr_prev_db,
        cell_load=cell_load_ratio(sf, sc, gnb, shares, shaped, float(surge.rate_mbps) if surge is not None and surge.gnb == gnb else 0.0, True),
        own=tuple(bool(o) for o in own[: HISTORY + 1]),
        serving_margin_db=_margin_of(cells, gnb),
        since_cell_change=0 if gnb != source_gnb else min(since_cell_change_before + 1, SINCE_CHANGE_CAP),
    )


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(float(x), lo), hi)


_C = _COLUMN
_SLICE_COL = {n: _C[f"slice_{n}"] for n in SLICE_NAMES}
_STATE_COLS = tuple(_C[n] for n in _STATE)
_DIFF_COLS = tuple(tuple(_C[f"d{k}_{n}"] for n in _STATE) for k in range(1, HISTORY + 1))
_ACT_COL = {a: _C[f"act_{a}"] for a in ACTION_KINDS}
_SWITCH_COL = {n: _C[f"switch_to_{n}"] for n in SLICE_NAMES}
_REALLOC_COL = {n: _C[f"realloc_{n}"] for n in SLICE_NAMES}
_DEGRADE_COL = {n: _C[f"degrade_{n}"] for n in SLICE_NAMES}
_ONSET_COL = {k: _C[f"onset_{k}"] for k in DEGRADATION_KINDS}
_RECOVERY_COL = {k: _C[f"recovery_{k}"] for k in DEGRADATION_KINDS}
_CELL_COLS = tuple((where, *(_C[f"{k}_{where}"] for k in ("interference_dbm", "backhaul_delay", "backhaul_loss", "congestion"))) for where in ("here", "other"))
_SHARE_COLS = tuple((n, _C[f"share_{n}"], _C[f"shaped_{n}"]) for n in SLICE_NAMES)


def encode_inputs(ctxs: list[Context], sf: ScenarioFeatures, features: FeatureSet = BASE) -> np.ndarray:
    """Encode contexts of one scenario as a float32 matrix with columns ``features.names``
    (:data:`INPUT_NAMES`, then the set's optional inputs)."""
    X = _encode_base(ctxs, sf)
    if features == BASE:
        return X
    return np.concatenate([X, _encode_optional(ctxs, features)], axis=1)


def _encode_optional(ctxs: list[Context], features: FeatureSet) -> np.ndarray:
    rows = []
    for c in ctxs:
        row = []
        if features.provenance:
            # A short history is padded with its oldest state (as the state inputs are), and so is its provenance.
            row += [float(c.own[min(k, len(c.own) - 1)]) if c.own else 0.0 for k in range(HISTORY + 1)]
        if features.handover:
            row += [_clip(c.serving_margin_db, -30, 0) / 10.0, min(c.since_cell_change, SINCE_CHANGE_CAP) / SINCE_CHANGE_CAP]
        rows.append(row)
    return np.array(rows, dtype=np.float32).reshape(len(ctxs), len(features.names) - len(INPUT_NAMES))


def _encode_base(ctxs: list[Context], sf: ScenarioFeatures) -> np.ndarray:
    """The :data:`INPUT_NAMES` columns of contexts of one scenario."""
    offered = sf.offered_mbps
    # What never changes in the scenario, then each row on top of it (plain floats, one conversion at the end).
    static = [0.0] * len(INPUT_NAMES)
    static[_C["offered"]] = offered / 5.0
    static[_C["cloud_delay"]] = sf.cloud_delay_ms / 30.0
    static[_C["edge_capacity"]] = sf.edge_capacity / 300.0
    static[_C["tenant_fraction"]] = sf.tenant_fraction
    static[_C["service_edge_load"]] = sf.service_edge_load
    static[_C["n_gnbs"]] = sf.n_gnbs / 3.0
    static[_C["n_ues"]] = sf.n_ues / 15.0
    static[_C["service_on_uav"]] = float(sf.service_on_uav)
    static[_C["mmtc_cap_ratio"]] = sf.mmtc_cap_ratio

    def state_vec(s):
        _, lat, jit, loss, thr, edge = s
        return (math.log1p(max(lat, 0.0)), math.log1p(max(jit, 0.0)), loss, thr / offered, edge)

    rows = []
    for c in ctxs:
        row = static.copy()
        cur = c.states[0]
        row[_SLICE_COL[cur[0]]] = 1.0
        v0 = state_vec(cur)
        for i, v in zip(_STATE_COLS, v0):
            row[i] = v
        prev = v0
        for k in range(1, HISTORY + 1):
            vk = state_vec(c.states[k] if k < len(c.states) else c.states[-1])
            for i, a, b in zip(_DIFF_COLS[k - 1], prev, vk):
                row[i] = a - b
            prev = vk
        a = c.action
        row[_ACT_COL[a.kind if a is not None else "none"]] = 1.0
        if a is None:
            pass
        elif a.kind == "switch_slice":
            row[_SWITCH_COL[a.slice.value]] = 1.0
        elif a.kind == "reallocate":
            row[_REALLOC_COL[a.slice.value]] = 1.0
            row[_C["realloc_share"]] = a.share
        elif a.kind == "offload":
            row[_C["offload_dir"]] = 1.0 if a.host == "edge" else -1.0
        elif isinstance(a, GracefulDegradation):
            row[_DEGRADE_COL[a.slice.value]] = 1.0
            row[_C["degrade_fraction"]] = a.fraction
            row[_C["degrade_shed"]] = 1.0 if a.mode == "shed" else 0.0
        elif a.kind == "handover":
            row[_C["handover_gain_db"]] = _clip(c.handover_gain_db, -30, 30) / 10.0
            row[_C["handover_service"]] = float(c.handover_service)
        elif a.kind == "uav_plan":
            row[_C["uav_plan_service"]] = float(c.uav_plan_service)
        for k in c.onsets:
            row[_ONSET_COL[k]] = 1.0
        for k in c.recoveries:
            row[_RECOVERY_COL[k]] = 1.0
        for (where, i_int, i_delay, i_loss, i_cong), d in zip(_CELL_COLS, (c.here, c.other)):
            if d:
                power = d.get("interference_dbm", 0.0)
                row[i_int] = (power - 10.0) / 20.0 if power > 0 else 0.0
                row[i_delay] = d.get("backhaul_delay", 0.0) / 50.0
                row[i_loss] = d.get("backhaul_loss", 0.0) * 10.0
                row[i_cong] = d.get("congestion", 0.0) / 15.0
        row[_C["edge_overload"]] = c.edge_overload
        row[_C["drift_service"]] = c.drift_service / 20.0
        row[_C["drift_other"]] = c.drift_other / 20.0
        row[_C["host_edge"]] = float(c.host_edge)
        for n, i_share, i_shaped in _SHARE_COLS:
            row[i_share] = c.shares[n]
            row[i_shaped] = c.shaped.get(n, 0.0)
        row[_C["geo_sinr"]] = _clip(c.geo_sinr_db, -15, 40) / 10.0
        row[_C["geo_rsrp"]] = (_clip(c.geo_rsrp_dbm, -140, -60) + 100.0) / 20.0
        row[_C["geo_sinr_change"]] = _clip(c.geo_sinr_db - c.geo_sinr_prev_db, -20, 20) / 10.0
        row[_C["cell_load"]] = c.cell_load
        rows.append(row)
    return np.array(rows, dtype=np.float32).reshape(len(ctxs), len(INPUT_NAMES))


# --- from traces -------------------------------------------------------------------------------


@dataclass
class TransitionSet:
    """Encoded transitions of a corpus, ready for training or evaluation."""

    X: np.ndarray  # inputs (n, len(features.names))
    Y: np.ndarray  # continuous targets in model space (n, len(DIMENSIONS))
    E: np.ndarray  # extras in model space (n, len(EXTRAS))
    slice_next: np.ndarray  # int (n,)
    ok: np.ndarray  # 1/0, or -1 where no action was taken (n,)
    offered: np.ndarray  # (n,) offered Mbit/s of the scenario, to map throughput back
    current: np.ndarray  # current state in natural units (n, 5), for persistence
    slice_current: np.ndarray  # int (n,)
    tool: np.ndarray  # object (n,): action kind, else the event, else "none" (for the per-tool table)
    seed: np.ndarray
    episode: np.ndarray
    t: np.ndarray
    target: np.ndarray  # next state in natural units (n, 5)


_DEGRADATION_ADAPTER: TypeAdapter[Degradation] = TypeAdapter(Degradation)


def episode_contexts(df: pd.DataFrame, sc: Scenario, sf: ScenarioFeatures | None = None) -> list[Context]:
    """Contexts for every transition (row i -> row i+1) of one episode's window rows."""
    sf = sf or ScenarioFeatures.of(sc)
    rows = df.to_dict("records")
    ctxs: list[Context] = []
    active: dict[str, Degradation] = {}
    shaped: dict[str, float] = {}
    states = [(r["slice"], r["latency_ms"], r["jitter_ms"], r["loss_rate"], r["throughput_mbps"], r["edge_load"]) for r in rows]
    first = rows[0] if rows else None
    geo_prev = geometric_signal(sc, first["service_x"], first["service_y"], first["service_z"], first["service_gnb"] or None)[0] if first else 0.0
    since = SINCE_CHANGE_CAP
    for i in range(len(rows) - 1):
        cur, nxt = rows[i], rows[i + 1]
        onsets, recoveries = [], []
        if nxt["event"]:
            args_list = json.loads(nxt["event_args"]) if nxt["event_args"] else []
            for name, args in zip(nxt["event"].split(";"), args_list):
                what, _, kind = name.partition(":")
                if what == "onset":
                    active[kind] = _DEGRADATION_ADAPTER.validate_python(args)
                    onsets.append(kind)
                elif what == "recovery":
                    active.pop(kind, None)
                    recoveries.append(kind)
        action = None
        if nxt["action"] != "none":
            action = ACTION_ADAPTER.validate_python({"kind": nxt["action"], **(json.loads(nxt["action_args"]) if nxt["action_args"] else {})})
            if isinstance(action, GracefulDegradation):
                shaped[action.slice.value] = action.fraction
        ctx = build_context(
            sc,
            sf,
            states=[states[i - k] for k in range(0, HISTORY + 1) if i - k >= 0],
            action=action,
            onsets=tuple(onsets),
            recoveries=tuple(recoveries),
            active=active,
            source_gnb=cur["service_gnb"] or None,
            gnb=nxt["service_gnb"] or None,
            position_before=(cur["service_x"], cur["service_y"], cur["service_z"]),
            position=(nxt["service_x"], nxt["service_y"], nxt["service_z"]),
            geo_sinr_prev_db=geo_prev,
            host=nxt["service_host"],
            shares={name: nxt[f"{name.lower()}_share"] for name in SLICE_NAMES},
            shaped=shaped,
            since_cell_change_before=since,
        )
        ctxs.append(ctx)
        geo_prev = ctx.geo_sinr_db
        since = ctx.since_cell_change
    return ctxs


def encode_corpus(df: pd.DataFrame, *, features: FeatureSet = BASE, progress=None) -> TransitionSet:
    """Encode every transition of a corpus's window rows (grouped by seed and episode), as inputs of ``features``."""
    parts = []
    groups = list(df.groupby(["seed", "episode"], sort=True))
    for (seed, episode), ep in groups:
        ep = ep.sort_values("t")
        sc = generate(int(seed), split=split_of(int(seed)))
        sf = ScenarioFeatures.of(sc)
        ctxs = episode_contexts(ep, sc, sf)
        if not ctxs:
            continue
        X = encode_inputs(ctxs, sf, features)
        nxt = ep.iloc[1:]
        cur = ep.iloc[:-1]
        offered = np.full(len(nxt), sf.offered_mbps)
        Y = np.stack([to_model_space(d, nxt[d].to_numpy(), offered) for d in DIMENSIONS], axis=1)
        E = np.stack([to_model_space(e, nxt[e].to_numpy(), offered) for e in EXTRAS], axis=1)
        ok = np.where(nxt["action"].to_numpy() == "none", -1, nxt["action_ok"].to_numpy())
        tool = np.where(nxt["action"].to_numpy() != "none", nxt["action"].to_numpy(), np.where(nxt["event"].to_numpy() != "", nxt["event"].to_numpy(), "none"))
        parts.append(
            dict(
                X=X,
                Y=Y,
                E=E,
                slice_next=nxt["slice"].map(SLICE_NAMES.index).to_numpy(),
                ok=ok,
                offered=offered,
                current=cur[list(DIMENSIONS)].to_numpy(dtype=np.float64),
                slice_current=cur["slice"].map(SLICE_NAMES.index).to_numpy(),
                tool=tool.astype(object),
                seed=nxt["seed"].to_numpy(),
                episode=nxt["episode"].to_numpy(),
                t=nxt["t"].to_numpy(),
                target=nxt[list(DIMENSIONS)].to_numpy(dtype=np.float64),
            )
        )
        if progress is not None:
            progress()
    if not parts:
        raise ValueError("no transitions in the traces")
    return TransitionSet(**{k: np.concatenate([p[k] for p in parts]) for k in parts[0]})


def slice_index(s: SliceType | str) -> int:
    return SLICE_NAMES.index(s.value if isinstance(s, SliceType) else s)
