"""The Experiment Model: a small ensemble of MLPs predicting the network's next window.

For each of the five continuous dimensions it predicts quantiles (5 % ... 95 %), so it
knows how unsure it is; the slice is a categorical prediction; the tool result is the
probability that the network accepts the action; extra detail (per-slice KPIs, edge
queue) is predicted as a median. The members of the ensemble are trained on bootstrap
resamples, so their disagreement measures what the data did not pin down, and a
Mahalanobis distance to the training inputs gives an out-of-distribution score.

Checkpoints are the shared :mod:`sixg.checkpoint` pair (safetensors + JSON config, hash
checked on every load) whose config also names the feature schema and the optional inputs
(:class:`~sixg.surrogate.features.FeatureSet`) it was trained with; :func:`load` builds the
network for that set and refuses a checkpoint made for another schema.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import numpy as np
import torch
from scipy.special import expit
from torch import nn

from sixg import checkpoint
from sixg.errors import CheckpointMismatch
from sixg.surrogate.features import DIMENSIONS, EXTRAS, INPUT_NAMES, SLICE_NAMES, FeatureSet, schema_fingerprint

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MEDIAN = QUANTILES.index(0.5)
#: How the conformal correction moves each quantile (outer ones fully, inner ones half).
_WIDEN = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
CHECKPOINT_FORMAT = "sixg-experiment-model"
CHECKPOINT_VERSION = 1
TRAIN_COMMAND = "python -m sixg.surrogate train"
#: Logit bonus for the current slice: a slice only changes when the inputs say so.
SLICE_PRIOR = 4.0
#: Columns of the inputs holding the current state in target (model) space, in DIMENSIONS order.
STATE_COLUMNS = tuple(INPUT_NAMES.index(n) for n in ("log_latency", "log_jitter", "loss", "thr_ratio", "edge_load"))
SLICE_COLUMNS = tuple(INPUT_NAMES.index(f"slice_{s}") for s in SLICE_NAMES)
_STATE_INDEX, _SLICE_INDEX = np.array(STATE_COLUMNS), np.array(SLICE_COLUMNS)


def base_inputs(X: np.ndarray, y_mean: np.ndarray, y_std: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(current state in normalised target space, current slice one-hot) from raw inputs."""
    base = (X[:, STATE_COLUMNS] - y_mean) / y_std
    return torch.as_tensor(base, dtype=torch.float32), torch.as_tensor(X[:, SLICE_COLUMNS], dtype=torch.float32)


class EnsembleNet(nn.Module):
    """``members`` MLPs evaluated together with batched weights (one forward for all)."""

    def __init__(self, n_in: int, *, hidden: int = 192, layers: int = 2, members: int = 5, n_dims: int = len(DIMENSIONS), n_extra: int = len(EXTRAS)):
        super().__init__()
        self.members, self.n_dims, self.n_q, self.n_extra = members, n_dims, len(QUANTILES), n_extra
        sizes = [n_in] + [hidden] * layers
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for a, b in zip(sizes[:-1], sizes[1:]):
            w = torch.empty(members, a, b)
            for m in range(members):
                nn.init.kaiming_uniform_(w[m].T, a=math.sqrt(5))
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(torch.zeros(members, 1, b)))
        self.n_out = n_dims * self.n_q + len(SLICE_NAMES) + 1 + n_extra
        w = torch.empty(members, hidden, self.n_out)
        for m in range(members):
            nn.init.xavier_uniform_(w[m].T, gain=0.5)
        self.head_w = nn.Parameter(w)
        self.head_b = nn.Parameter(torch.zeros(members, 1, self.n_out))

    def forward(self, x: torch.Tensor, base: torch.Tensor, current_slice: torch.Tensor) -> dict[str, torch.Tensor]:
        """Predict the next window around persistence.

        Args:
            x: (B, n_in) normalised inputs.
            base: (B, dims) the current state in normalised target space: the network
                predicts the change from it, so "nothing happens" is the easy answer.
            current_slice: (B, 3) one-hot of the current slice, a prior for staying in it.

        Returns per member: quantiles (M, B, dims, q) sorted, slice logits, ok logit, extras.
        """
        h = x.unsqueeze(0).expand(self.members, -1, -1)
        for w, b in zip(self.weights, self.biases):
            h = torch.nn.functional.silu(torch.baddbmm(b, h, w))
        out = torch.baddbmm(self.head_b, h, self.head_w)
        d, q = self.n_dims, self.n_q
        raw = out[..., : d * q].reshape(self.members, -1, d, q)
        # Median plus cumulative positive gaps either side: quantiles never cross.
        med = raw[..., MEDIAN : MEDIAN + 1]
        gaps = torch.nn.functional.softplus(raw) + 1e-4
        lower = med - torch.flip(torch.cumsum(torch.flip(gaps[..., :MEDIAN], [-1]), -1), [-1])
        upper = med + torch.cumsum(gaps[..., MEDIAN + 1 :], -1)
        quant = torch.cat([lower, med, upper], dim=-1) + base.unsqueeze(0).unsqueeze(-1)
        k = d * q
        return {
            "quantiles": quant,
            "slice_logits": out[..., k : k + len(SLICE_NAMES)] + SLICE_PRIOR * current_slice.unsqueeze(0),
            "ok_logit": out[..., k + len(SLICE_NAMES)],
            "extras": out[..., k + len(SLICE_NAMES) + 1 :],
        }


def _member_mean(a: np.ndarray) -> np.ndarray:
    """``a.mean(axis=0)`` as NumPy computes it (sum, then divide by the count in place), without its Python overhead."""
    total = np.add.reduce(a, axis=0)
    return np.true_divide(total, np.intp(a.shape[0]), out=total, casting="unsafe", subok=False)


class Prediction:
    """What the model says about a batch of transitions (continuous values in model space).

    The parts the surrogate does not need every window (spread, OOD score, tool result)
    are computed when first read.
    """

    def __init__(self, *, quantiles: np.ndarray, slice_probs: np.ndarray, extras: np.ndarray, member_medians: np.ndarray, ok_logits: np.ndarray, ood: Callable[[], np.ndarray]):
        self.quantiles = quantiles  # (B, dims, q), calibrated
        self.slice_probs = slice_probs  # (B, 3)
        self.extras = extras  # (B, extras)
        self._member_medians = member_medians  # (M, B, dims)
        self._ok_logits = ok_logits  # (M, B)
        self._ood = ood

    @cached_property
    def ok_prob(self) -> np.ndarray:
        """(B,) probability that the network accepts the window's action."""
        return _member_mean(expit(self._ok_logits))

    @cached_property
    def spread(self) -> np.ndarray:
        """(B, dims) disagreement between the members, model space."""
        return self._member_medians.std(axis=0)

    @cached_property
    def ood(self) -> np.ndarray:
        """(B,) 0..1: share of training inputs closer to the training mean."""
        return self._ood()

    @property
    def median(self) -> np.ndarray:
        return self.quantiles[..., MEDIAN]

    def rows(self, start: int, stop: int) -> Prediction:
        """Rows ``start:stop`` of a batch prediction (each equal to what the whole batch says of it)."""
        return Prediction(
            quantiles=self.quantiles[start:stop],
            slice_probs=self.slice_probs[start:stop],
            extras=self.extras[start:stop],
            member_medians=self._member_medians[:, start:stop],
            ok_logits=self._ok_logits[:, start:stop],
            ood=lambda: self.ood[start:stop],
        )


class ExperimentModel:
    """A trained ensemble with its normalisation, calibration and OOD statistics.

    ``features`` is the set of optional inputs it takes (from ``config["features"]``;
    none when the config does not say): whoever encodes its inputs encodes that set.
    """

    def __init__(self, net: EnsembleNet, stats: dict[str, np.ndarray], config: dict):
        self.net = net.eval()
        self.stats = stats
        self.config = config
        self.features = FeatureSet.of_config(config.get("features"))
        s = stats
        self._x_mean = s["x_mean"].astype(np.float32)
        self._x_std = s["x_std"].astype(np.float32)
        self._y_mean, self._y_std = s["y_mean"], s["y_std"]
        self._e_mean, self._e_std = s["e_mean"], s["e_std"]
        self._y_mean4, self._y_std4 = self._y_mean[None, None, :, None], self._y_std[None, None, :, None]
        # Inference runs in NumPy: for one window at a time it is several times faster
        # than torch's per-op overhead, and it needs no autograd. The forward below
        # mirrors EnsembleNet.forward (a test checks they agree).
        self._layers = [(w.detach().numpy().copy(), b.detach().numpy().copy()) for w, b in zip(net.weights, net.biases)]
        self._head = (net.head_w.detach().numpy().copy(), net.head_b.detach().numpy().copy())

    # --- prediction -------------------------------------------------------------------------
    def normalise(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float32) - self._x_mean) / self._x_std

    def forward(self, xn: np.ndarray, base: np.ndarray, current_slice: np.ndarray) -> dict[str, np.ndarray]:
        """NumPy twin of :meth:`EnsembleNet.forward` (same inputs, same outputs)."""
        h = xn[None]
        for w, b in self._layers:
            h = h @ w + b
            h = h * expit(h)  # SiLU
        out = h @ self._head[0] + self._head[1]
        m, bsz = out.shape[0], out.shape[1]
        d, q = self.net.n_dims, self.net.n_q
        raw = out[..., : d * q].reshape(m, bsz, d, q)
        med = raw[..., MEDIAN : MEDIAN + 1]
        gaps = np.logaddexp(0.0, raw) + 1e-4
        # Reversed views instead of np.flip: the same sums, fewer calls.
        lower = med - np.cumsum(gaps[..., MEDIAN - 1 :: -1], -1)[..., ::-1]
        upper = med + np.cumsum(gaps[..., MEDIAN + 1 :], -1)
        quant = np.concatenate([lower, med, upper], -1) + base[None, :, :, None]
        k = d * q
        return {
            "quantiles": quant,
            "slice_logits": out[..., k : k + len(SLICE_NAMES)] + SLICE_PRIOR * current_slice[None],
            "ok_logit": out[..., k + len(SLICE_NAMES)],
            "extras": out[..., k + len(SLICE_NAMES) + 1 :],
        }

    def predict(self, X: np.ndarray) -> Prediction:
        X = np.asarray(X, dtype=np.float32)
        xn = self.normalise(X)
        base = ((X[:, _STATE_INDEX] - self._y_mean) / self._y_std).astype(np.float32)
        out = self.forward(xn, base, X[:, _SLICE_INDEX])
        q = out["quantiles"] * self._y_std4 + self._y_mean4
        # Conformal widening, calibrated on held-out training seeds: the outer quantiles
        # move out by c, the inner ones in proportion.
        mean_q = _member_mean(q) + self._widening()
        logits = out["slice_logits"]
        e = np.exp(logits - np.maximum.reduce(logits, axis=-1, keepdims=True))
        slice_p = _member_mean(e / np.add.reduce(e, axis=-1, keepdims=True))
        extras = _member_mean(out["extras"]) * self._e_std + self._e_mean
        return Prediction(quantiles=mean_q, slice_probs=slice_p, extras=extras, member_medians=q[..., MEDIAN], ok_logits=out["ok_logit"], ood=lambda: self.ood_score(xn))

    def _widening(self) -> np.ndarray:
        """(1, dims, q) how far the calibration moves each quantile (recomputed when the calibration is replaced)."""
        calibration = self.stats["calibration"]
        if getattr(self, "_widening_of", None) is not calibration:
            self._widening_of, self._widen = calibration, calibration[None, :, None] * _WIDEN[None, None, :]
        return self._widen

    def ood_score(self, xn: np.ndarray) -> np.ndarray:
        """Share of training inputs whose Mahalanobis distance is below each input's (0..1)."""
        z = np.asarray(xn, dtype=np.float64)
        d2 = ((z @ self.stats["precision"]) * z).sum(1)
        ref = self.stats["train_d2_quantiles"]
        if getattr(self, "_ood_levels", None) is None or len(self._ood_levels) != len(ref):
            self._ood_levels = np.linspace(0.0, 1.0, len(ref))
        return np.interp(d2, ref, self._ood_levels, left=0.0, right=1.0)

    # --- persistence ------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        save_checkpoint(path, self.net, self.stats, self.config)


def tensors_of(net: EnsembleNet, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    t = {f"net.{k}": v.detach().numpy() for k, v in net.state_dict().items()}
    t.update({f"stats.{k}": np.asarray(v) for k, v in stats.items()})
    return t


def save_checkpoint(path: Path, net: EnsembleNet, stats: dict[str, np.ndarray], config: dict, *, extra_tensors: dict[str, np.ndarray] | None = None) -> None:
    """Write ``path`` (.safetensors) and its JSON config next to it (:mod:`sixg.checkpoint`)."""
    tensors = tensors_of(net, stats)
    tensors.update(extra_tensors or {})
    features = FeatureSet.of_config(config.get("features"))
    checkpoint.write(path, tensors, dict(config, feature_schema=schema_fingerprint(features)), format=CHECKPOINT_FORMAT, version=CHECKPOINT_VERSION)


def read_checkpoint(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    """Read and check a checkpoint's arrays and config (hash verified, never unpickles anything)."""
    tensors, cfg = checkpoint.read(path, format=CHECKPOINT_FORMAT, version=CHECKPOINT_VERSION, what="Experiment Model", create_hint=TRAIN_COMMAND)
    expected = schema_fingerprint(FeatureSet.of_config(cfg.get("features")))
    if cfg.get("feature_schema") != expected:
        raise CheckpointMismatch(
            f"checkpoint {path} was made for feature schema {cfg.get('feature_schema')}, this sixg encodes its features as "
            f"{expected}; retrain it with `{TRAIN_COMMAND}`"
        )
    return tensors, cfg


def load(path: Path) -> ExperimentModel:
    """Load a trained model; a CheckpointError subclass if it is missing, corrupt or for another schema."""
    tensors, cfg = read_checkpoint(path)
    arch = cfg.get("architecture", {})
    try:
        n_in = len(FeatureSet.of_config(cfg.get("features")).names)
        net = EnsembleNet(n_in, hidden=int(arch["hidden"]), layers=int(arch["layers"]), members=int(arch["members"]))
        net.load_state_dict({k[4:]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("net.")})
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:
        raise CheckpointMismatch(f"{path} does not hold the network its config describes ({exc})") from None
    stats = {k[6:]: v.astype(np.float64) for k, v in tensors.items() if k.startswith("stats.")}
    needed = {"x_mean", "x_std", "y_mean", "y_std", "e_mean", "e_std", "calibration", "precision", "train_d2_quantiles"}
    if not needed <= set(stats):
        raise CheckpointMismatch(f"{path} lacks statistics {sorted(needed - set(stats))}")
    if stats["x_mean"].shape != (n_in,):
        raise CheckpointMismatch(f"{path} normalises {stats['x_mean'].shape} inputs but its feature set has {n_in}")
    return ExperimentModel(net, stats, cfg)


def default_checkpoint() -> Path:
    """The trained checkpoint shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "surrogate" / "experiment_model.safetensors"
