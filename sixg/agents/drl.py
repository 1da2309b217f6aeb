"""DRL-Slicing: a small deep-RL policy over the low-dimensional network state (paper, section IV-B).

The policy sees the service's state as ratios to the SLA bounds, the active slice, where
the service's jobs run, the slice shares and how far into its horizon it is
(:data:`FEATURES`), and picks one of a few discrete actions (:data:`ACTIONS`), each
mapped to the nearest Configuration tool call (switch a slice, offload to the edge or
the cloud, resize the URLLC slice, shape the eMBB background). Actions that would do
nothing (switching to the slice it is on) are masked out.

At benchmark time it reads the telemetry once, acts for up to :data:`HORIZON` steps
(stopping early when the policy chooses ``noop``), observes the state, verifies it
against the SLA and stops. It knows nothing of UAVs, logs or missions.

The policy is trained on the surrogate (:mod:`sixg.agents.drl_train`)::

    python -m sixg.agents.drl train --out runs/drl/policy.safetensors [--steps N] [--seed S]

A policy is a :mod:`sixg.checkpoint` pair (safetensors + JSON config, hash checked on
every load). Inference runs in NumPy, so using the agent does not import torch.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sixg.actions import ReallocateSlices, reallocated_shares
from sixg.agents.base import Agent, Observation, ToolCall
from sixg.agents.calls import Briefing, briefing_of, call, degrade, offload, reallocate, switch_slice, verify
from sixg.cli import positive_int, run_command
from sixg.domain import SLICES, NetworkState, SLASpec, SliceType
from sixg import checkpoint
from sixg.errors import CheckpointMismatch
from sixg.snapshot import WINDOW_S
from sixg.tools.types import OffloadResult, TelemetryState

__all__ = [
    "ACTIONS",
    "FEATURES",
    "HORIZON",
    "Controls",
    "DrlSlicingAgent",
    "Policy",
    "default_policy_path",
    "load_policy",
    "main",
]

POLICY_FORMAT = "sixg-drl-policy"
POLICY_VERSION = 1
TRAIN_COMMAND = "python -m sixg.agents.drl train"
#: Configuration actions per episode at most (then the agent verifies and stops).
HORIZON = 4
#: Ratios to the SLA bounds are capped here: beyond it, more of a violation tells the policy nothing.
RATIO_CAP = 4.0

FEATURES: tuple[str, ...] = (
    "latency_over_bound",
    "jitter_over_bound",
    "loss_over_bound",
    "throughput_shortfall",
    "edge_load",
    "slice_eMBB",
    "slice_URLLC",
    "slice_mMTC",
    "host_edge",
    "share_eMBB",
    "share_URLLC",
    "share_mMTC",
    "progress",
)


@dataclass(frozen=True)
class PolicyAction:
    """One discrete action and the configuration it asks for."""

    name: str
    kind: str  # noop, switch, offload, reallocate, shape
    slice: SliceType | None = None
    host: str | None = None
    value: float | None = None


ACTIONS: tuple[PolicyAction, ...] = (
    PolicyAction("noop", "noop"),
    PolicyAction("switch_eMBB", "switch", slice=SliceType.EMBB),
    PolicyAction("switch_URLLC", "switch", slice=SliceType.URLLC),
    PolicyAction("switch_mMTC", "switch", slice=SliceType.MMTC),
    PolicyAction("offload_edge", "offload", host="edge"),
    PolicyAction("offload_cloud", "offload", host="cloud"),
    PolicyAction("urllc_share_0.3", "reallocate", slice=SliceType.URLLC, value=0.3),
    PolicyAction("urllc_share_0.6", "reallocate", slice=SliceType.URLLC, value=0.6),
    PolicyAction("shape_eMBB_0", "shape", slice=SliceType.EMBB, value=0.0),
    PolicyAction("shape_eMBB_0.5", "shape", slice=SliceType.EMBB, value=0.5),
    PolicyAction("shape_eMBB_0.9", "shape", slice=SliceType.EMBB, value=0.9),
)


def state_of(result) -> NetworkState | None:
    """The network state a tool result reports (configuration tools return the state after the change)."""
    if isinstance(result, NetworkState):
        return result
    if isinstance(result, (OffloadResult, TelemetryState)):
        return result.state
    return None


@dataclass
class Controls:
    """What the policy controls and knows besides the state: the SLA, the host, the shares, the shaping.

    Kept up to date from the telemetry read at the start and from the results of its own
    calls; shared by the agent and the trainer so both see the same features.
    """

    sla: SLASpec
    host: str
    shares: dict[SliceType, float]
    shaped: float = 0.0
    jobs_s: float = 0.0
    pending: PolicyAction | None = field(default=None, repr=False)

    @classmethod
    def from_telemetry(cls, telemetry: TelemetryState, sla: SLASpec, *, window_s: float = WINDOW_S) -> Controls:
        return cls(
            sla=sla,
            host=telemetry.service.host,
            shares={s.slice: s.share for s in telemetry.slices},
            jobs_s=telemetry.service.requests / window_s,
        )

    def features(self, state: NetworkState, progress: float) -> np.ndarray:
        sla = self.sla
        ratios = (
            state.latency_ms / sla.max_latency_ms,
            state.jitter_ms / sla.max_jitter_ms,
            state.loss_rate / max(sla.max_loss_rate, 1e-6),
            sla.min_throughput_mbps / max(state.throughput_mbps, 1e-3),
        )
        x = [min(r, RATIO_CAP) for r in ratios]
        x.append(state.edge_load)
        x.extend(1.0 if state.slice is s else 0.0 for s in SLICES)
        x.append(1.0 if self.host == "edge" else 0.0)
        x.extend(self.shares.get(s, 0.0) for s in SLICES)
        x.append(progress)
        return np.asarray(x, dtype=np.float32)

    def mask(self, state: NetworkState) -> np.ndarray:
        """Which actions would change something (no-op is always allowed)."""
        ok = []
        for a in ACTIONS:
            if a.kind == "switch":
                ok.append(state.slice is not a.slice)
            elif a.kind == "offload":
                ok.append(self.host != a.host)
            elif a.kind == "reallocate":
                ok.append(abs(self.shares.get(a.slice, 0.0) - a.value) > 1e-3)
            elif a.kind == "shape":
                ok.append(abs(self.shaped - a.value) > 1e-3)
            else:
                ok.append(True)
        return np.asarray(ok, dtype=bool)

    def call(self, index: int, state: NetworkState) -> ToolCall | None:
        """The tool call for action ``index`` (None for no-op)."""
        a = ACTIONS[index]
        self.pending = a
        if a.kind == "switch":
            return switch_slice(state.slice, a.slice)
        if a.kind == "offload":
            return offload(a.host, jobs_s=self.jobs_s, max_latency_ms=self.sla.max_latency_ms, reason="slicing policy")
        if a.kind == "reallocate":
            return reallocate(a.slice, a.value)
        if a.kind == "shape":
            return degrade(a.slice, a.value, "shape")
        return None

    def observe(self, result, *, ok: bool) -> None:
        """Update what the policy controls from its last call's result."""
        a, self.pending = self.pending, None
        if a is None or not ok:
            return
        if isinstance(result, OffloadResult):
            self.host = result.host
        elif a.kind == "reallocate":
            self.shares = reallocated_shares(self.shares, ReallocateSlices(slice=a.slice, share=a.value))
        elif a.kind == "shape":
            self.shaped = a.value


def sla_reward(state: NetworkState | None, sla: SLASpec) -> float:
    """1 when the state meets every SLA target; otherwise partial credit for being close
    (0.5 just over the bounds, falling to 0 at twice them), so the policy learns which way
    to move instead of only from the rare windows where everything already holds."""
    if state is None:
        return 0.0
    if not sla.violations(state):
        return 1.0
    excess = max(0.0, state.latency_ms / sla.max_latency_ms - 1.0)
    excess += max(0.0, state.jitter_ms / sla.max_jitter_ms - 1.0)
    excess += max(0.0, state.loss_rate - sla.max_loss_rate) / max(sla.max_loss_rate, 0.01)
    excess += max(0.0, 1.0 - state.throughput_mbps / max(sla.min_throughput_mbps, 1e-6))
    return 0.5 * max(0.0, 1.0 - excess)


# --- the policy file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """A trained action-value network, evaluated in NumPy: the agent takes the best allowed action."""

    weights: dict[str, np.ndarray]
    config: dict

    def logits(self, x: np.ndarray) -> np.ndarray:
        w = self.weights
        h = np.tanh(w["actor.0.weight"] @ x + w["actor.0.bias"])
        h = np.tanh(w["actor.2.weight"] @ h + w["actor.2.bias"])
        return w["actor.4.weight"] @ h + w["actor.4.bias"]

    def choose(self, x: np.ndarray, mask: np.ndarray, *, rng: np.random.Generator | None = None) -> int:
        """The most likely allowed action, or one drawn from the policy when ``rng`` is given."""
        z = np.where(mask, self.logits(x).astype(np.float64), -np.inf)
        if rng is None:
            return int(np.argmax(z))
        p = np.exp(z - z.max())
        return int(rng.choice(len(p), p=p / p.sum()))


def default_policy_path() -> Path:
    """The trained policy shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "data" / "drl" / "policy.safetensors"


def policy_config(hidden: int, **training) -> dict:
    return {
        "features": list(FEATURES),
        "actions": [a.name for a in ACTIONS],
        "horizon": HORIZON,
        "hidden": hidden,
        "training": training,
    }


def write_policy(path: Path, tensors: dict[str, np.ndarray], config: dict) -> None:
    """Write ``path`` (.safetensors) and its JSON config beside it (:mod:`sixg.checkpoint`)."""
    checkpoint.write(path, tensors, config, format=POLICY_FORMAT, version=POLICY_VERSION)


def load_policy(path: str | Path | None = None) -> Policy:
    """Load a policy (default: the one shipped with sixg); a CheckpointError subclass if it is
    missing, corrupt or made for other features."""
    path = Path(path) if path is not None else default_policy_path()
    tensors, cfg = checkpoint.read(path, format=POLICY_FORMAT, version=POLICY_VERSION, what="DRL policy", create_hint=f"{TRAIN_COMMAND} --out {path}")
    if cfg.get("features") != list(FEATURES) or cfg.get("actions") != [a.name for a in ACTIONS]:
        raise CheckpointMismatch(f"policy {path} was made for other features or actions; retrain it with `{TRAIN_COMMAND}`")
    hidden, n_in, n_out = int(cfg.get("hidden", 0)), len(FEATURES), len(ACTIONS)
    checkpoint.check_shapes(
        path,
        tensors,
        {
            "actor.0.weight": (hidden, n_in),
            "actor.0.bias": (hidden,),
            "actor.2.weight": (hidden, hidden),
            "actor.2.bias": (hidden,),
            "actor.4.weight": (n_out, hidden),
            "actor.4.bias": (n_out,),
        },
    )
    weights = {k: v.astype(np.float64) for k, v in tensors.items()}
    return Policy(weights=weights, config=cfg)


# --- the agent ---------------------------------------------------------------------------------------------


class DrlSlicingAgent(Agent):
    """Acts with a trained slicing policy for up to ``horizon`` steps, then verifies and stops.

    Args:
        policy: A policy file (default: the one shipped with sixg), or a loaded :class:`Policy`.
        sample: Draw actions from the policy with a generator seeded by the episode seed
            instead of taking the most likely one.
        horizon: Configuration actions at most (default: what the policy was trained with).
    """

    id = "drl"

    def __init__(self, *, policy: str | Path | Policy | None = None, sample: bool = False, horizon: int | None = None):
        self._policy_source = policy
        # A policy named by path is read now, so a missing or corrupt file stops a run before its first episode.
        self._policy: Policy | None = policy if isinstance(policy, Policy) else load_policy(policy) if policy is not None else None
        self.sample = sample
        self._horizon = horizon
        self._begin("", None)

    def _begin(self, intent: str, seed: int | None) -> None:
        self._intent = intent
        self._rng = np.random.default_rng(seed if seed is not None else 0) if self.sample else None
        self._briefing = Briefing()
        self._controls: Controls | None = None
        self._state: NetworkState | None = None
        self._acted = 0
        self._phase = "observe"

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            self._policy = load_policy(self._policy_source)
        return self._policy

    @property
    def horizon(self) -> int:
        return self._horizon if self._horizon is not None else int(self.policy.config.get("horizon", HORIZON))

    def reset(self, *, intent: str, tools: Sequence[dict], seed: int | None = None) -> None:
        _ = self.policy  # load (once) before the episode starts
        self._begin(intent, seed)

    def act(self, observation: Observation) -> ToolCall | None:
        if observation.step == 0:
            self._briefing = briefing_of(observation, self._intent)
        if self._phase == "observe":
            self._phase = "start"
            return call("read_telemetry")
        if self._phase == "start":
            telemetry = observation.tool_result if isinstance(observation.tool_result, TelemetryState) else None
            if telemetry is None:
                return None
            self._controls = Controls.from_telemetry(
                telemetry, self._briefing.sla_for(telemetry.sla), window_s=self._briefing.window_s
            )
            self._state = telemetry.state
            self._phase = "act"
        elif self._phase == "act":
            self._controls.observe(observation.tool_result, ok=observation.error is None)
            self._state = state_of(observation.tool_result) or self._state
        elif self._phase == "check":
            self._phase = "done"
            state = state_of(observation.tool_result) or self._state
            return verify(state, self._controls.sla)
        else:
            return None
        # A step is kept for the final observation and one for the verification.
        room = min(self.horizon, self._briefing.max_steps - observation.step - 2)
        if self._acted < room:
            x = self._controls.features(self._state, self._acted / self.horizon)
            index = self.policy.choose(x, self._controls.mask(self._state), rng=self._rng)
            if index != 0:
                self._acted += 1
                return self._controls.call(index, self._state)
        self._phase = "check"
        return call("check_network_state")

    def describe(self) -> dict[str, object]:
        training = self.policy.config.get("training", {})
        return {"agent": self.id, "sample": self.sample, "horizon": self.horizon, "policy_steps": training.get("steps")}


# --- command line --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """``python -m sixg.agents.drl train|info``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m sixg.agents.drl", description="Train or describe the DRL-Slicing baseline policy."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "train",
        help="train on the surrogate with random degradations (training seeds 1-50); seeded, so a rerun ends the same",
    )
    t.add_argument("--out", type=Path, required=True, help="policy to write (<name>.safetensors + <name>.json)")
    t.add_argument("--steps", type=positive_int, default=24_000, help="decisions to gather experience from (default 24000)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument(
        "--checkpoint", type=Path, default=None, help="surrogate checkpoint (default: the one shipped with sixg)"
    )
    i = sub.add_parser("info", help="describe a policy")
    i.add_argument("--policy", type=Path, default=None, help="default: the policy shipped with sixg")
    args = parser.parse_args(argv)

    return run_command(lambda: _info(args) if args.command == "info" else _train(args), interrupted="run the same command again (training is seeded and ends the same)")


def _info(args) -> int:
    p = load_policy(args.policy)
    print(json.dumps({k: v for k, v in p.config.items() if k != "tensors_sha256"}, indent=2, sort_keys=True))
    return 0


def _train(args) -> int:
    from tqdm import tqdm

    from sixg.agents.drl_train import TrainConfig, train

    config = TrainConfig(steps=args.steps, seed=args.seed)
    bar = tqdm(total=config.steps, unit="step", desc="training")

    def on_update(done: int, mean_return: float) -> None:
        bar.n = done
        bar.set_postfix(episode_return=f"{mean_return:.2f}")
        bar.refresh()

    try:
        info = train(args.out, config=config, surrogate_checkpoint=args.checkpoint, on_update=on_update)
    finally:
        bar.close()
    print(f"wrote {args.out}: {info['steps']} steps, {info['episodes']} episodes, final mean return {info['final_return']:.2f} in {info['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
