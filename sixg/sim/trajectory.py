"""Trajectory records: an episode as JSON lines, and its exact replay.

The first line describes the episode (environment id, seed, reset options with the
degradation schedule spelled out, backend, window, scenario, intent, initial state);
each further line is one step: the call exactly as the agent sent it, the typed result,
the state, the simulated time, the backend, the reward and the end flags, and the text
the agent read. A dual run's header and steps also carry ``windows``: each window the
reset or the call spanned, with both backends' measurements and their gap
(:class:`~sixg.backends.gap.WindowGap` as JSON data). :func:`replay` runs the same calls through a fresh environment and
reports every difference, so "identical" means identical to the last digit.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sixg.backends.gap import WindowGap
from sixg.domain import Frozen, NetworkState
from sixg.errors import CorruptTraceError
from sixg.scenario import Scenario
from sixg.tools.boundary import ToolCall
from sixg import jsontext

TRAJECTORY_FORMAT = 1


def encode_call(raw: Any) -> dict[str, Any]:
    """A call exactly as the agent sent it, in a form JSON keeps (see :func:`decode_call`)."""
    if isinstance(raw, ToolCall):
        return {"call": raw.model_dump(mode="json")}
    if isinstance(raw, str):
        return {"text": raw}
    if hasattr(raw, "name") and hasattr(raw, "arguments"):  # another ToolCall-like object
        return {"call": {"name": raw.name, "arguments": raw.arguments, "id": getattr(raw, "id", None)}}
    try:
        json.dumps(raw)  # NaN and Infinity are kept: Python's json reads them back
    except (TypeError, ValueError, RecursionError):
        # reprlib stops at a fixed depth and length, where repr() of a deeply nested value would recurse out.
        return {"unserialisable": reprlib.repr(raw)}
    return {"object": raw}


def decode_call(encoded: Mapping[str, Any]) -> Any:
    """The call :func:`encode_call` recorded, ready to send again."""
    if "call" in encoded:
        return ToolCall.model_validate(encoded["call"])
    if "text" in encoded:
        return encoded["text"]
    if "object" in encoded:
        return encoded["object"]
    # Something that was never JSON: send its repr, which the boundary rejects the same way.
    return encoded["unserialisable"]


def _json(value: Any) -> Any:
    """``value`` as plain JSON data (tuples become lists, models dicts), as it would be read back."""
    if isinstance(value, Frozen):
        value = value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


@dataclass
class Trajectory:
    """One episode: a header and its steps, as plain JSON data."""

    header: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)

    def dual_windows(self) -> list[WindowGap]:
        """Every window of a dual run, in order (the reset's, then each step's); empty for one backend."""
        records = [*self.header.get("windows", ()), *(w for s in self.steps for w in s.get("windows", ()))]
        return [WindowGap.model_validate(w) for w in records]

    @classmethod
    def begin(
        cls,
        *,
        env_id: str,
        seed: int,
        options: dict[str, Any],
        backend: str,
        window_s: float,
        scenario: Scenario,
        intent: str,
        state: NetworkState,
        observation: str,
        windows: list[dict[str, Any]] | None = None,
    ) -> Trajectory:
        """The header; ``windows`` (a dual run only) the windows the reset already ran, as JSON data."""
        extra = {} if windows is None else {"windows": windows}
        return cls(
            header=_json(
                {
                    **extra,
                    "kind": "episode",
                    "format": TRAJECTORY_FORMAT,
                    "env_id": env_id,
                    "seed": seed,
                    "options": options,
                    "backend": backend,
                    "window_s": window_s,
                    "scenario": {"seed": scenario.seed, "split": scenario.split.value, "version": scenario.version},
                    "intent": intent,
                    "t": 0.0,
                    "state": state.model_dump(mode="json"),
                    "observation": observation,
                }
            )
        )

    def add_step(
        self,
        *,
        call: dict[str, Any],
        result: dict[str, Any],
        state: NetworkState,
        t: float,
        backend: str,
        reward: float,
        terminated: bool,
        truncated: bool,
        observation: str,
        windows: list[dict[str, Any]] | None = None,
    ) -> None:
        """Append one step; ``result`` is the ToolResult already dumped as JSON data, ``windows``
        (a dual run only) the :class:`~sixg.backends.gap.WindowGap` records of the windows the call spanned."""
        extra = {} if windows is None else {"windows": windows}
        self.steps.append(
            {
                **extra,
                "kind": "step",
                "step": len(self.steps) + 1,
                # Only the raw call may hold tuples or other non-JSON shapes: normalise it as it will read back.
                "call": _json(call),
                "result": result,
                "state": state.model_dump(mode="json"),
                "t": t,
                "backend": backend,
                "reward": reward,
                "terminated": terminated,
                "truncated": truncated,
                "observation": observation,
            }
        )

    # --- files ---------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trajectory as JSON lines (header first)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for record in [self.header, *self.steps]:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Trajectory:
        """Read a trajectory :meth:`save` wrote; :class:`CorruptTraceError` names what is wrong."""
        path = Path(path)
        try:
            records = [jsontext.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise CorruptTraceError(f"{path}: cannot read the trajectory ({exc})") from None
        if not records or records[0].get("kind") != "episode":
            raise CorruptTraceError(f"{path}: the first line must be the episode header")
        if records[0].get("format") != TRAJECTORY_FORMAT:
            raise CorruptTraceError(
                f"{path}: trajectory format {records[0].get('format')!r}, this sixg reads format {TRAJECTORY_FORMAT}"
            )
        steps = records[1:]
        for i, s in enumerate(steps, start=1):
            if s.get("kind") != "step" or s.get("step") != i:
                raise CorruptTraceError(f"{path}: line {i + 1} is not step {i}")
        return cls(header=records[0], steps=steps)


class ReplayReport(Frozen):
    """How a replay compared with the recording."""

    identical: bool
    steps: int
    mismatches: tuple[str, ...] = ()


def _differences(recorded: Any, replayed: Any, where: str) -> list[str]:
    if isinstance(recorded, dict) and isinstance(replayed, dict):
        out = []
        for key in sorted(set(recorded) | set(replayed)):
            if key not in recorded or key not in replayed:
                out.append(f"{where}.{key}: present in only one of the two")
            else:
                out.extend(_differences(recorded[key], replayed[key], f"{where}.{key}"))
        return out
    if isinstance(recorded, list) and isinstance(replayed, list) and len(recorded) == len(replayed):
        return [d for i, (a, b) in enumerate(zip(recorded, replayed)) for d in _differences(a, b, f"{where}[{i}]")]
    if isinstance(recorded, float) and isinstance(replayed, float) and math.isnan(recorded) and math.isnan(replayed):
        return []
    return (
        []
        if recorded == replayed
        else [f"{where}: recorded {json.dumps(recorded)[:80]}, replayed {json.dumps(replayed)[:80]}"]
    )


def replay(trajectory: Trajectory | str | Path, *, env=None) -> ReplayReport:
    """Run a recorded episode's calls again and compare every record.

    Args:
        trajectory: The recording, or the path of its JSONL file.
        env: A :class:`~sixg.sim.env.NetOpsEnv` to replay in (e.g. one holding a
            deterministic test backend); by default one is made with the recorded backend.
    """
    from sixg.sim.env import NetOpsEnv

    if not isinstance(trajectory, Trajectory):
        trajectory = Trajectory.load(trajectory)
    header = trajectory.header
    own = env is None
    env = env if env is not None else NetOpsEnv(backend=header["backend"])
    try:
        env.reset(seed=header["seed"], options=header["options"])
        mismatches = _differences(header, env.trajectory.header, "header")
        for record in trajectory.steps:
            out = env.step(decode_call(record["call"]))
            mismatches += _differences(record, env.trajectory.steps[-1], f"step {record['step']}")
            if out.terminated or out.truncated:
                break
        if len(env.trajectory.steps) != len(trajectory.steps):
            mismatches.append(
                f"the recording has {len(trajectory.steps)} step(s), the replay ended after {len(env.trajectory.steps)}"
            )
    finally:
        if own:
            env.close()
    return ReplayReport(identical=not mismatches, steps=len(env.trajectory.steps), mismatches=tuple(mismatches))
