"""The surrogate backend: the Experiment Model stands in for ns-3, window by window.

What is geometry or bookkeeping is computed exactly as the ns-3 side does it (UAV
flight and battery, which cell serves whom, slice shares, which degradations are
active, signal strength from positions); what is learned is how the network behaves:
the service's six-dimensional state, per-slice KPIs, the edge queue and whether an
action is accepted. Each window the model predicts a distribution and the backend
draws from it with the episode's seeded generator (or takes the median).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sixg.actions import Action, DegradationOnset, DegradationRecovery, Handover, describe
from sixg.backends.base import Backend, StepOutput
from sixg.control import ControlState
from sixg.domain import SLICES, SliceType
from sixg.errors import ResetNeeded
from sixg.radio import Geometry
from sixg.scenario import Scenario
from sixg.snapshot import WARMUP_S, WINDOW_S, ActionResult, Snapshot, UeTable
from sixg.surrogate.features import (
    DIMENSIONS,
    EXTRAS,
    HISTORY,
    SINCE_CHANGE_CAP,
    SLICE_NAMES,
    Context,
    ScenarioFeatures,
    build_context,
    encode_inputs,
    from_model_space_many,
    geometric_signal,
)
from sixg.surrogate.model import QUANTILES, ExperimentModel, Prediction

RAN = "LTE/EPC behaviour learned from ns-3 traces (Experiment Model); geometry computed"
WARMUP_WINDOWS = 6
MMTC_DEVICE_CAP_MBPS = 0.8
_OUTPUTS = (*DIMENSIONS, *EXTRAS)
#: Each slice with the names of its predicted latency, loss and throughput.
_SLICE_EXTRAS = tuple((s, *(f"{s.value.lower()}_{k}" for k in ("latency_ms", "loss_rate", "throughput_mbps"))) for s in SLICES)


_LEVELS = np.asarray(QUANTILES)

# ns-3's own way off a weak cell. Our ns-3 module installs ``NoOpHandoverAlgorithm`` (no
# measurement-triggered handover), so a UE changes cell unasked only through radio link failure,
# with ns-3's defaults: the PHY reports out-of-sync when the control SINR (its cell against every
# other cell on the carrier, plus noise) averaged over ``NumQoutEvalSf`` = 200 subframes is below
# ``Qout`` = -5 dB; after ``N310`` = 6 such reports in a row the RRC starts ``T310`` = 1 s, and
# when it runs out the UE gives up the link, selects the strongest cell and reconnects there.
#: ``LteUePhy::Qout``: control SINR below which the link is out of sync, dB.
RLF_QOUT_DB = -5.0
#: ``N310`` x 200 ms + ``T310``: out of sync this long and the UE moves to the strongest cell, s.
RLF_AFTER_S = 6 * 0.2 + 1.0


def sample_quantiles(q: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw from piecewise-linear inverse CDFs through the quantile knots (tails extrapolated).

    q: (..., len(QUANTILES)) knots; u: (...) uniforms in (0, 1).
    """
    idx = np.minimum(np.maximum(np.searchsorted(_LEVELS, u) - 1, 0), len(_LEVELS) - 2)
    lo_l, hi_l = _LEVELS[idx], _LEVELS[idx + 1]
    # Gather each row's two knots from a flat view (np.take_along_axis costs more than it does here).
    knots = q.reshape(-1, q.shape[-1])
    rows, i = np.arange(knots.shape[0]), idx.reshape(-1)
    lo_v, hi_v = knots[rows, i].reshape(idx.shape), knots[rows, i + 1].reshape(idx.shape)
    return lo_v + (hi_v - lo_v) * (u - lo_l) / (hi_l - lo_l)


class SurrogateBackend(Backend):
    """Runs episodes on the learned Experiment Model.

    Args:
        checkpoint: A trained checkpoint (.safetensors with its .json); default: the one
            shipped with sixg.
        window_s: Window length; the model was trained on 0.5 s windows.
        sample: Draw each window from the predicted distribution (default) or take the
            median (deterministic given the inputs).
        model: An already loaded :class:`ExperimentModel` (shared between backends).
        auto_handover: Move a UE whose cell's control SINR stays below :data:`RLF_QOUT_DB`
            for :data:`RLF_AFTER_S` onto the strongest cell, as ns-3's radio link failure does
            (off by default: then a UE changes cell only on a handover action).
    """

    id = "surrogate"

    def __init__(self, *, checkpoint: str | Path | None = None, window_s: float = WINDOW_S, sample: bool = True, model: ExperimentModel | None = None, auto_handover: bool = False):
        self.window_s = window_s
        self.sample = sample
        self.auto_handover = auto_handover
        self._checkpoint = checkpoint
        self._model = model
        self._scenario: Scenario | None = None
        self.last_prediction: Prediction | None = None

    # --- model --------------------------------------------------------------------------------
    @property
    def model(self) -> ExperimentModel:
        if self._model is None:
            from sixg.surrogate.model import default_checkpoint, load

            self._model = load(Path(self._checkpoint) if self._checkpoint else default_checkpoint())
        return self._model

    # --- contract -------------------------------------------------------------------------------
    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        sc = scenario
        self._scenario = sc
        self._sf = ScenarioFeatures.of(sc)
        self._rng = np.random.default_rng([seed, sc.seed, 7])
        self._t = 0.0
        self.control = ControlState(sc)
        for m in self.control.uavs.values():
            m.advance(WARMUP_S)  # UAVs fly during the warm-up, as they do in ns-3
        self._geometry = Geometry(sc)
        self._ue_ids = list(sc.ue_ids)
        self._row = {uid: i for i, uid in enumerate(self._ue_ids)}
        self._xyz = np.array([[u.position.x, u.position.y, u.position.z] for u in sc.ues], dtype=float)
        for uid, m in self.control.uavs.items():
            self._xyz[self._row[uid]] = m.position
        rsrp = self._geometry.rsrp_dbm(self._xyz)
        # Initial attachment: the strongest cell, as ns-3's cell selection picks.
        self.control.serving = {uid: self._geometry.gnb_ids[int(rsrp[i].argmax())] for uid, i in self._row.items()}
        service_xyz = self._xyz[self._row[sc.service.ue]].tolist()
        self._geo_prev = geometric_signal(sc, *service_xyz, self.control.serving[sc.service.ue])[0]
        guess = (self.control.slice.value, 2 * sc.cloud.link_delay_ms + 15.0, 1.5, 0.0, self._sf.offered_mbps, self._sf.tenant_fraction)
        self._history = [guess]
        # Per state of the history: the model's own (every one it predicts, and the guess) or measured (a resync).
        self._own = [True]
        self._since_cell_change = SINCE_CHANGE_CAP
        # Per UE: seconds its cell's control SINR has been below Qout (only with auto_handover).
        self._out_of_sync_s = dict.fromkeys(self._ue_ids, 0.0)
        self._auto_cell: str | None = None
        # The service's history from before its cell went out of sync, and the history to go on from
        # in the next window once a radio link failure has moved it (see _link_failure_history).
        self._pre_failure: tuple[list, list[bool]] | None = None
        self._restore: tuple[list, list[bool]] | None = None
        # Like ns-3's warm-up: let the model settle from a rough guess to its steady state.
        for _ in range(WARMUP_WINDOWS):
            self._predict_and_advance(None, [], [], sample=False, move=False)
        snap = self._snapshot(t=0.0)
        self._last = snap
        return snap

    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        if self._scenario is None:
            raise ResetNeeded("call reset(scenario, seed=...) before step()")
        results: list[ActionResult] = []
        model_action: Action | None = None
        onsets, recoveries = [], []
        self.control.validate(*actions)
        if self._restore is not None:
            self._history, self._own = self._restore
            self._restore = None
        before = (list(self._history), list(self._own)) if self.auto_handover else None
        for a in actions:
            res = self.control.apply(a).result
            results.append(res)
            if isinstance(a, DegradationOnset):
                onsets.append(a.degradation.kind)
            elif isinstance(a, DegradationRecovery):
                if res.ok:
                    recoveries.append(a.degradation_kind)
            elif res.ok and model_action is None:
                model_action = a  # the model was trained on one action per window
        # Radio link failures that end within this window (their UEs reconnect on the strongest cell).
        moves = self._link_failures(actions, results) if self.auto_handover else {}
        self._auto_cell = moves.get(self._scenario.service.ue)
        pred = self._predict_and_advance(model_action, onsets, recoveries, sample=self.sample, move=True)
        self._auto_cell = None
        for ue, gnb in moves.items():
            self.control.serving[ue] = gnb
        # Whether the service's handover completes is learned (ns-3 may still refuse or fail it).
        for i, a in enumerate(actions):
            if isinstance(a, Handover) and results[i].ok:
                if a is model_action and pred.ok_prob[0] < 0.5:
                    results[i] = ActionResult(action=describe(a), ok=False, reason="the handover did not complete", details={})
                else:
                    self.control.complete_handover(a.ue, a.target_gnb)
        if self.auto_handover:
            self._count_out_of_sync(moves)
            self._link_failure_history(before, moves)
        self._t = round(self._t + self.window_s, 9)
        snap = self._snapshot(t=self._t)
        self._last = snap
        return StepOutput(snapshot=snap, results=tuple(results))

    @property
    def now(self) -> float:
        if self._scenario is None:
            raise ResetNeeded("call reset() first")
        return self._t

    def close(self) -> None:
        self._scenario = None

    def describe(self) -> dict[str, object]:
        cfg = self.model.config
        return {"backend": self.id, "window_s": self.window_s, "ran": RAN, "checkpoint": str(self._checkpoint or "shipped default"), "trained_on": cfg.get("corpus_fingerprint"), "sample": self.sample, **({"auto_handover": True} if self.auto_handover else {})}

    def resync(self, snapshot: Snapshot) -> None:
        """Continue from another backend's window (used when ns-3 answers a step in dual mode)."""
        s = snapshot.state
        self._history = [(s.slice.value, s.latency_ms, s.jitter_ms, s.loss_rate, s.throughput_mbps, s.edge_load), *self._history][: HISTORY + 1]
        self._own = [False, *self._own][: HISTORY + 1]
        self.control.slice = s.slice
        self._restore = None  # a measured state outranks the history kept from before a link failure

    # --- ns-3's radio link failure -----------------------------------------------------------------
    def _link_failures(self, actions: Sequence[Action], results: Sequence[ActionResult]) -> dict[str, str]:
        """UEs whose out-of-sync time reaches :data:`RLF_AFTER_S` within this window -> the strongest cell."""
        handed = {a.ue for a, r in zip(actions, results) if isinstance(a, Handover) and r.ok}
        due = [u for u, s in self._out_of_sync_s.items() if s > 0.0 and s + self.window_s >= RLF_AFTER_S - 1e-9 and u not in handed]
        if not due:
            return {}
        best = self._geometry.rsrp_dbm(self._xyz).argmax(axis=1)
        moves = {u: self._geometry.gnb_ids[int(best[self._row[u]])] for u in due}
        return {u: g for u, g in moves.items() if g != self.control.serving.get(u)}

    def _count_out_of_sync(self, moved: dict[str, str]) -> None:
        """At the window's end: add the window to each UE's out-of-sync time, or reset it."""
        sinr = self._geometry.control_sinr_db(self._xyz, [self.control.serving.get(u) for u in self._ue_ids])
        for u, i in self._row.items():
            below = bool(sinr[i] < RLF_QOUT_DB) and self.control.serving.get(u) is not None and u not in moved
            self._out_of_sync_s[u] = self._out_of_sync_s[u] + self.window_s if below else 0.0

    def _link_failure_history(self, before: tuple[list, list[bool]] | None, moved: dict[str, str]) -> None:
        """After a radio link failure of the service's UE, go on from the history it had before.

        ns-3 re-establishes the connection on the new cell from scratch (the failed link's queues
        are dropped), and the service's latency is back at its level before the failure in the
        window after the move; the model, fed its own outage windows, would take several windows
        to come down. So: keep the history as it was when the service's cell went out of sync
        (``before``: the history at the start of that window), let the move's own window be
        predicted as it is, and go on from the kept history in the next window.
        """
        ue = self._scenario.service.ue
        if ue in moved:
            self._restore, self._pre_failure = self._pre_failure, None
        elif self._out_of_sync_s[ue] == 0.0:
            self._pre_failure = None
        elif self._pre_failure is None:
            self._pre_failure = before

    # --- the model ------------------------------------------------------------------------------------
    def _context(self, action: Action | None, onsets, recoveries, position_before) -> Context:
        sc = self._scenario
        service = sc.service.ue
        source = self.control.serving.get(service)
        # The model was trained on the cell the service UE spent the window in: the target of its handover.
        cell = action.target_gnb if isinstance(action, Handover) and action.ue == service else (self._auto_cell or source)
        return build_context(
            sc,
            self._sf,
            states=self._history,
            action=action,
            onsets=tuple(onsets),
            recoveries=tuple(recoveries),
            active=self.control.active,
            source_gnb=source,
            gnb=cell,
            position_before=position_before,
            position=tuple(self._xyz[self._row[service]].tolist()),
            geo_sinr_prev_db=self._geo_prev,
            host=self.control.host,
            shares={s.value: self.control.shares[s] for s in SLICES},
            shaped={s.value: p.fraction for s, p in self.control.degraded.items()},
            own=self._own,
            since_cell_change_before=self._since_cell_change,
        )

    def _predict_and_advance(self, action, onsets, recoveries, *, sample: bool, move: bool) -> Prediction:
        # Two halves around one forward pass, so that several scenarios' windows could share it:
        # each backend encodes its row, the model predicts the batch, each takes its row back.
        X = self._window_inputs(action, onsets, recoveries, move=move)
        pred = self.model.predict(X)
        self._take(pred, 0, sample=sample)
        return pred

    def _window_inputs(self, action, onsets, recoveries, *, move: bool) -> np.ndarray:
        """Fly the UAVs through the window and encode what the model is told about it: one input row."""
        before = tuple(self._xyz[self._row[self._scenario.service.ue]].tolist())
        if move:
            for uid, m in self.control.uavs.items():
                m.advance(self.window_s)
                self._xyz[self._row[uid]] = m.position
        self.last_context = self._context(action, onsets, recoveries, before)
        self.last_inputs = encode_inputs([self.last_context], self._sf, self.model.features)
        return self.last_inputs

    def _take(self, pred: Prediction, row: int, *, sample: bool) -> None:
        """Advance the state by row ``row`` of a prediction: draw (or take the median), keep the extras."""
        self.last_prediction = pred
        q = pred.quantiles[row]  # (dims, q) model space
        if sample:
            u = self._rng.uniform(0.0, 1.0, size=len(DIMENSIONS))
            values = sample_quantiles(q, u)
        else:
            values = q[:, len(QUANTILES) // 2]
        # The sampled state and the extra detail leave model space together (one call, same values).
        natural = from_model_space_many(_OUTPUTS, np.concatenate([values, pred.extras[row]]), self._sf.offered_mbps).tolist()
        self._extras = dict(zip(EXTRAS, natural[len(DIMENSIONS) :]))
        slice_name = SLICE_NAMES[int(pred.slice_probs[row].argmax())]
        self.control.slice = SliceType(slice_name)
        self._history = [(slice_name, *natural[: len(DIMENSIONS)]), *self._history][: HISTORY + 1]
        self._own = [True, *self._own][: HISTORY + 1]
        self._geo_prev = self.last_context.geo_sinr_db
        self._since_cell_change = self.last_context.since_cell_change

    # --- the snapshot -------------------------------------------------------------------------------------
    def _snapshot(self, *, t: float) -> Snapshot:
        sc = self._scenario
        slice_name, lat, jit, loss, thr, edge = self._history[0]
        ex = self._extras
        svc = sc.service
        rate = svc.request_rate_hz
        if self.control.slice is SliceType.MMTC and svc.offered_mbps > MMTC_DEVICE_CAP_MBPS:
            rate *= MMTC_DEVICE_CAP_MBPS / svc.offered_mbps
        requests = int(round(rate * self.window_s))
        responses = int(round(requests * svc.response_packets * (1.0 - loss)))
        overload = self.control.active.get("edge_overload")
        # Expected job arrivals at the edge: other tenants, an overload's extra tenants, the service if offloaded.
        arrivals_rate = sc.edge.tenant_load_jobs_s + (float(overload.extra_load) * sc.edge.capacity_jobs_s if overload is not None else 0.0) + (rate if self.control.host == "edge" else 0.0)
        # One validation call builds the whole snapshot; the UEs' radio state waits until it is read.
        return Snapshot.model_validate(
            {
                "t": t,
                "window_s": self.window_s,
                "state": {"slice": slice_name, "latency_ms": lat, "jitter_ms": jit, "loss_rate": loss, "throughput_mbps": thr, "edge_load": edge},
                "service": {
                    "host": self.control.host,
                    "requests": requests,
                    "responses": responses,
                    "latency_max_ms": max(ex["service_latency_max_ms"], lat),
                    "flow": {"latency_ms": ex["service_oneway_ms"], "jitter_ms": jit, "loss_rate": loss, "throughput_mbps": thr},
                },
                "slices": {s: {"latency_ms": ex[lat_key], "jitter_ms": 0.0, "loss_rate": ex[loss_key], "throughput_mbps": ex[thr_key], "share": self.control.shares[s]} for s, lat_key, loss_key, thr_key in _SLICE_EXTRAS},
                "edge": {
                    "utilisation": edge,
                    "queue_jobs": ex["edge_queue_jobs"],
                    "arrivals": int(round(arrivals_rate * self.window_s)),
                    "dropped": int(round(ex["edge_dropped"])),
                    "capacity_jobs_s": sc.edge.capacity_jobs_s,
                },
                "ues": self._ue_table(),
                "uavs": {uid: {"battery_wh": m.battery_wh, "battery_fraction": min(1.0, m.battery_fraction), "drifting": m.drifting, "distance_flown_m": m.distance_flown_m} for uid, m in self.control.uavs.items()},
                "degradations": tuple(sorted(self.control.active)),
                "ran": RAN,
                "backend": self.id,
            }
        )

    def _ue_table(self) -> UeTable:
        """The window's UEs: positions now, signals computed from a copy of this window's state if read."""
        xyz = self._xyz.copy()
        serving = [self.control.serving.get(u) for u in self._ue_ids]
        handovers = [self.control.handovers[u] for u in self._ue_ids]
        interferer = self.control.active.get("interference")
        geometry = self._geometry

        def columns() -> dict[str, list]:
            extra = geometry.interference_mw(xyz, interferer.gnb, interferer.power_dbm) if interferer is not None else None
            sinr, rsrp = geometry.served(xyz, serving, extra)
            return {"gnb": serving, "rsrp_dbm": rsrp.tolist(), "sinr_db": sinr.tolist(), "handovers_ok": handovers}

        return UeTable(self._ue_ids, [(x, y, max(z, 0.0)) for x, y, z in xyz.tolist()], columns)
