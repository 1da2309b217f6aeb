"""Training the Experiment Model on ns-3 transitions (training seeds only).

The joint objective (in the spirit of the paper's Eq. 4) sums a quantile (pinball)
loss on the five continuous dimensions, a cross-entropy on the next slice, a binary
cross-entropy on the tool result (was the action accepted) and an L1 loss on the
extra detail. Seeds 41-50 are held out of the fit to calibrate the intervals
(conformalised quantiles) and to stop early; benchmark seeds are never read.

Episodes run the model open-loop, on its own predictions, so with ``rollout_horizon``
above 1 it also learns from its own rollouts (in the manner of DAgger / "data as
demonstrator"): every epoch after a few one-step ones, the network as it is then is
rolled forward on its own median predictions from random windows of the fit episodes,
2 to ``rollout_horizon`` windows ahead, exactly as :mod:`sixg.surrogate.rollout`
evaluates it, and each transition it reaches is added to that epoch's data with the
model's own states as inputs and ns-3's next window as the target. Early stopping then weighs the calibration episodes'
open-loop loss as much as their one-step loss. The default, ``rollout_horizon=1``, is
one-step training only.

Optional inputs (:class:`~sixg.surrogate.features.FeatureSet`), all off by default:
``provenance`` tells the model which of its input states are its own predictions (it
needs own rollouts to learn from, so ``rollout_horizon`` above 1), ``handover_features``
gives it the service cell's margin to the best cell and the windows since its cell
changed. The checkpoint records the set, and loading it encodes the same inputs.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from sixg.errors import CheckpointError, SeedSplitError, UserError
from sixg.scenario import Split, split_of
from sixg.surrogate.features import FeatureSet, TransitionSet, encode_corpus
from sixg.surrogate.model import QUANTILES, EnsembleNet, ExperimentModel, base_inputs, read_checkpoint, save_checkpoint
from sixg.surrogate.rollout import own_state_inputs, successors
from sixg.traces.io import episode_files, load_windows, read_manifest

CALIBRATION_SEEDS = range(41, 51)


@dataclass(frozen=True)
class TrainConfig:
    members: int = 4
    hidden: int = 128
    layers: int = 2
    epochs: int = 60
    batch: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-5
    seed: int = 0
    patience: int = 12
    #: Also train on the model's own rollouts up to this many windows ahead (1 = one-step only).
    rollout_horizon: int = 1
    #: Own-rollout transitions drawn per epoch, as a share of the one-step transitions.
    rollout_share: float = 1.0
    #: One-step-only epochs before the first rollouts.
    rollout_warmup: int = 5
    #: Input flags saying which states are the model's own predictions (needs rollout_horizon > 1).
    provenance: bool = False
    #: Inputs for the service's cell changes: margin to the best cell, windows since the cell changed.
    handover_features: bool = False

    @property
    def features(self) -> FeatureSet:
        return FeatureSet(provenance=self.provenance, handover=self.handover_features)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def corpus_fingerprint(root: Path, split: str = "train") -> str:
    """Hash of every episode file of the split (names and bytes)."""
    h = hashlib.sha256()
    for p in episode_files(root, split):
        h.update(str(p.relative_to(root)).encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def load_training_transitions(traces: Path, *, calibration_seeds=CALIBRATION_SEEDS, features: FeatureSet = FeatureSet(), progress=None) -> tuple[TransitionSet, TransitionSet]:
    """Encode the corpus's training split into (fit, calibration) sets by seed, as inputs of ``features``."""
    read_manifest(traces)
    df = load_windows(traces, split=Split.TRAIN.value)
    bad = sorted({int(s) for s in df.seed.unique() if split_of(int(s)) is not Split.TRAIN})
    if bad:
        raise SeedSplitError(f"the training split of {traces} holds benchmark seeds {bad}; refusing to train on them")
    ts = encode_corpus(df, features=features, progress=progress)
    calib = np.isin(ts.seed, list(calibration_seeds))
    if calib.all() or not calib.any():
        raise UserError(
            f"training needs episodes of calibration seeds {list(calibration_seeds)} (to calibrate and stop early) "
            "and of other training seeds (to fit); the traces have seeds " + str(sorted(set(ts.seed.tolist())))
        )
    return subset(ts, ~calib), subset(ts, calib)


def subset(ts: TransitionSet, mask: np.ndarray) -> TransitionSet:
    return TransitionSet(**{k: getattr(ts, k)[mask] for k in ts.__dataclass_fields__})


def _stats(fit: TransitionSet) -> dict[str, np.ndarray]:
    x_std = fit.X.std(0)
    return {
        "x_mean": fit.X.mean(0).astype(np.float64),
        "x_std": np.where(x_std < 1e-3, 1.0, x_std).astype(np.float64),
        "y_mean": fit.Y.mean(0),
        "y_std": np.maximum(fit.Y.std(0), 1e-3),
        "e_mean": fit.E.mean(0),
        "e_std": np.maximum(fit.E.std(0), 1e-3),
    }


def _tensors(ts: TransitionSet, stats: dict) -> dict[str, torch.Tensor]:
    f = torch.float32
    base, cur = base_inputs(ts.X.astype(np.float64), stats["y_mean"], stats["y_std"])
    return {
        "base": base,
        "cur": cur,
        "x": (torch.as_tensor(ts.X, dtype=f) - torch.as_tensor(stats["x_mean"], dtype=f)) / torch.as_tensor(stats["x_std"], dtype=f),
        "y": torch.as_tensor((ts.Y - stats["y_mean"]) / stats["y_std"], dtype=f),
        "e": torch.as_tensor((ts.E - stats["e_mean"]) / stats["e_std"], dtype=f),
        "s": torch.as_tensor(ts.slice_next, dtype=torch.long),
        "ok": torch.as_tensor(ts.ok, dtype=f),
    }


def joint_loss(out: dict, batch: dict, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Pinball + slice CE + tool-result BCE + extras L1, per member, summed over members."""
    q = torch.as_tensor(QUANTILES, dtype=torch.float32)
    err = batch["y"].unsqueeze(0).unsqueeze(-1) - out["quantiles"]  # (M, B, d, q)
    pinball = torch.maximum(q * err, (q - 1) * err).sum((-1, -2))  # (M, B)
    ce = torch.nn.functional.cross_entropy(out["slice_logits"].transpose(1, 2), batch["s"].unsqueeze(0).expand(out["slice_logits"].shape[0], -1), reduction="none")
    has_ok = (batch["ok"] >= 0).float()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(out["ok_logit"], batch["ok"].clamp(min=0).unsqueeze(0).expand_as(out["ok_logit"]), reduction="none") * has_ok
    extras = (out["extras"] - batch["e"].unsqueeze(0)).abs().sum(-1)
    per = pinball + 0.5 * ce + 0.2 * bce + 0.3 * extras  # (M, B)
    if weights is not None:
        per = per * weights
        return per.sum(1).div(weights.sum(1).clamp(min=1)).sum()
    return per.mean(1).sum()


def _calibrate(model: ExperimentModel, calib: TransitionSet, level: float = 0.9) -> np.ndarray:
    """Conformalised-quantile widening per dimension so the outer interval covers ``level``."""
    saved = model.stats["calibration"]
    model.stats["calibration"] = np.zeros_like(saved)
    pred = model.predict(calib.X)
    lo, hi = pred.quantiles[..., 0], pred.quantiles[..., -1]
    scores = np.maximum(lo - calib.Y, calib.Y - hi)  # (n, d)
    n = len(scores)
    k = min(1.0, np.ceil((n + 1) * level) / n)
    return np.quantile(scores, k, axis=0, method="higher")


def _ood_stats(fit: TransitionSet, stats: dict) -> dict[str, np.ndarray]:
    z = (fit.X - stats["x_mean"]) / stats["x_std"]
    cov = np.cov(z, rowvar=False) + 1e-2 * np.eye(z.shape[1])
    precision = np.linalg.inv(cov)
    d2 = np.einsum("bi,ij,bj->b", z, precision, z)
    return {"precision": precision, "train_d2_quantiles": np.quantile(d2, np.linspace(0, 1, 201))}


def train(
    fit: TransitionSet,
    calib: TransitionSet,
    *,
    config: TrainConfig = TrainConfig(),
    meta: dict | None = None,
    partial: Path | None = None,
    on_epoch: Callable[[int, float, float], None] | None = None,
) -> ExperimentModel:
    """Fit the ensemble, calibrate it, and return the model.

    Args:
        partial: Where to keep an end-of-epoch state so an interrupted run resumes
            (it is picked up if present and made with the same settings and data).
        on_epoch: Called with (epoch, fit loss, calibration loss) after each epoch.
    """
    features = config.features
    if features.provenance and config.rollout_horizon < 2:
        raise UserError("provenance inputs need the model's own rollouts to learn from: train with a rollout horizon above 1 (--rollout-horizon 5)")
    if fit.X.shape[1] != len(features.names) or calib.X.shape[1] != len(features.names):
        raise UserError(
            f"the transitions hold {fit.X.shape[1]} inputs but the configured feature set {features.as_config()} has {len(features.names)}; "
            "encode them with the same set (load_training_transitions(..., features=config.features))"
        )
    torch.manual_seed(config.seed)
    stats = _stats(fit)
    tr, ca = _tensors(fit, stats), _tensors(calib, stats)
    n = len(fit.X)
    net = EnsembleNet(len(features.names), hidden=config.hidden, layers=config.layers, members=config.members)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=config.epochs)
    # Bootstrap: each member sees each sample a Poisson(1) number of times.
    gen = torch.Generator().manual_seed(config.seed)
    boot = torch.poisson(torch.ones(config.members, n), generator=gen)
    identity = dict(config.as_dict(), data=(meta or {}).get("corpus_fingerprint", ""), n_fit=n)
    start, best, best_state, stale = 0, float("inf"), None, 0
    if partial is not None and Path(partial).is_file():
        start, best, best_state, stale = _resume(Path(partial), identity, net, opt, sched)
    multi = config.rollout_horizon > 1
    if multi:
        nxt_fit, nxt_cal = successors(fit), successors(calib)
        per_start = config.rollout_horizon - 1
        n_starts = min(n, max(1, math.ceil(config.rollout_share * n / per_start)))
    for epoch in range(start, config.epochs):
        data, weights = tr, boot
        if multi and epoch >= config.rollout_warmup:
            # Own-rollout transitions from random starts, made by the network as it is now.
            picks = torch.randperm(n, generator=torch.Generator().manual_seed(config.seed * 1000 + 500 + epoch))[:n_starts]
            rows, own = _own_rollouts(net, stats, fit, nxt_fit, config.rollout_horizon, np.sort(picks.numpy()), features)
            data = {k: torch.cat([tr[k], own[k]]) for k in tr}
            weights = torch.cat([boot, boot[:, torch.as_tensor(rows)]], dim=1)
        size = len(data["x"])
        net.train()
        perm = torch.randperm(size, generator=torch.Generator().manual_seed(config.seed * 1000 + epoch))
        total = 0.0
        for i in range(0, size, config.batch):
            idx = perm[i : i + config.batch]
            batch = {k: v[idx] for k, v in data.items()}
            loss = joint_loss(net(batch["x"], batch["base"], batch["cur"]), batch, weights[:, idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        sched.step()
        net.eval()
        with torch.no_grad():
            val = float(joint_loss(net(ca["x"], ca["base"], ca["cur"]), ca)) / config.members
            if multi:
                # Early stopping weighs the calibration episodes' open-loop error as much as their one-step error.
                _, own_ca = _own_rollouts(net, stats, calib, nxt_cal, config.rollout_horizon, None, features)
                if len(own_ca["x"]):
                    val = 0.5 * (val + float(joint_loss(net(own_ca["x"], own_ca["base"], own_ca["cur"]), own_ca)) / config.members)
        if val < best - 1e-4:
            best, stale = val, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            stale += 1
        if partial is not None:
            _save_partial(Path(partial), identity, net, opt, sched, epoch + 1, best, best_state, stale)
        if on_epoch is not None:
            on_epoch(epoch + 1, total / size / config.members, val)
        if stale >= config.patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    stats.update(_ood_stats(fit, stats))
    stats["calibration"] = np.zeros(fit.Y.shape[1])
    cfg = {
        "architecture": {"hidden": config.hidden, "layers": config.layers, "members": config.members, "quantiles": list(QUANTILES)},
        "training": dict(config.as_dict(), best_calibration_loss=best, n_fit=n, n_calibration=len(calib.X), calibration_seeds=sorted({int(s) for s in calib.seed})),
        "inputs": list(features.names),
        "features": features.as_config(),
        **(meta or {}),
    }
    model = ExperimentModel(net, stats, cfg)
    stats["calibration"] = _calibrate(model, calib)
    return model


def _own_rollouts(net: EnsembleNet, stats: dict, ts: TransitionSet, nxt: np.ndarray, horizon: int, starts: np.ndarray | None, features: FeatureSet) -> tuple[np.ndarray, dict[str, torch.Tensor]]:
    """The network rolled out on its own predictions from ``starts`` (every row if None), 2 to ``horizon``
    windows ahead: (rows of the transitions reached, their tensors with the model's own states as inputs)."""
    model = ExperimentModel(net, dict(stats, calibration=np.zeros(ts.Y.shape[1])), {"features": features.as_config()})
    rows, inputs = [], []
    for r, x in own_state_inputs(model, ts.X, nxt, horizon=horizon, starts=starts):
        rows.append(r)
        inputs.append(x)
    if not rows:
        return np.zeros(0, dtype=np.int64), _tensors(subset(ts, np.zeros(len(ts.X), dtype=bool)), stats)
    at = np.concatenate(rows)
    return at, _tensors(replace(subset(ts, at), X=np.concatenate(inputs)), stats)


def _save_partial(path: Path, identity: dict, net, opt, sched, epoch: int, best: float, best_state, stale: int) -> None:
    extra = {}
    for i, (pid, st) in enumerate(opt.state_dict()["state"].items()):
        for k, v in st.items():
            extra[f"opt.{pid}.{k}"] = torch.as_tensor(v).detach().numpy().copy()
    if best_state is not None:
        extra.update({f"best.{k}": v.detach().numpy().copy() for k, v in best_state.items()})
    cfg = {"partial": identity, "epoch": epoch, "best": best, "stale": stale, "lr": sched.get_last_lr()[0], "sched_epoch": sched.last_epoch, "architecture": {"hidden": net.weights[0].shape[2], "layers": len(net.weights), "members": net.members}}
    empty = {"x_mean": np.zeros(1), "x_std": np.ones(1)}
    save_checkpoint(path, net, empty, cfg, extra_tensors=extra)


def _resume(path: Path, identity: dict, net, opt, sched):
    try:
        arrays, cfg = read_checkpoint(path)
    except CheckpointError:
        return 0, float("inf"), None, 0
    if cfg.get("partial") != identity:
        return 0, float("inf"), None, 0  # other settings or data: start over
    tensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
    net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
    state = opt.state_dict()
    for pid in state["state"] if state["state"] else range(len(list(net.parameters()))):
        st = {}
        for k in ("step", "exp_avg", "exp_avg_sq"):
            key = f"opt.{pid}.{k}"
            if key in tensors:
                st[k] = tensors[key]
        if st:
            state["state"][pid] = st
    opt.load_state_dict(state)
    sched.last_epoch = cfg["sched_epoch"]
    for g in opt.param_groups:
        g["lr"] = cfg["lr"]
    best_state = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")} or None
    return int(cfg["epoch"]), float(cfg["best"]), best_state, int(cfg["stale"])


def describe_training(model: ExperimentModel) -> str:
    t = model.config.get("training", {})
    return json.dumps({k: t.get(k) for k in ("n_fit", "n_calibration", "best_calibration_loss", "epochs", "members")})
