"""N episodes stepped together, in Gymnasium's vector-environment API.

::

    import gymnasium, sixg.sim
    envs = gymnasium.make_vec("sixg/NetOps-v0", num_envs=8)        # this class
    obs, info = envs.reset(seed=0)                                  # 8 texts; seeds 0..7
    obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())

On the surrogate backend the N episodes share one Experiment Model and every round of
windows they need is predicted in one forward pass (:class:`~sixg.backends.batched.SurrogateBatch`);
each episode keeps its own clock, scenario, degradations and trajectory. An episode's
rollout depends only on its own seed, options and calls (not on the other episodes or
their number), and matches a :class:`~sixg.sim.env.NetOpsEnv` with the same seed and
options up to float32 rounding of the batched forward pass. Gymnasium's own vectorisers
work too: ``make_vec(..., vectorization_mode="sync")`` steps N environments in turn,
``"async"`` in N processes (each with its own model).

Actions are N tool calls, as ``{"name": (N names), "arguments": (N JSON texts)}`` (what
``action_space.sample()`` gives) or a sequence of N calls in any shape ``NetOpsEnv.step``
takes. Finished episodes are reset as Gymnasium's vector environments do (by default on
the next step, with the ``options`` given at construction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from sixg.backends.base import Backend
from sixg.errors import UserError
from sixg.sim.env import DEFAULT_BACKEND, NetOpsEnv


class NetOpsVectorEnv(VectorEnv):
    """``num_envs`` :class:`~sixg.sim.env.NetOpsEnv` episodes, their surrogate windows predicted in batches.

    Args:
        num_envs: How many episodes run side by side.
        backend: Backend id. ``"surrogate"`` batches the model's forward passes; any other
            backend gives each episode its own and steps them in turn.
        backend_kwargs: Passed to the backends (for the surrogate: ``checkpoint``,
            ``window_s``, ``sample``).
        options: The ``reset`` options each episode uses when ``reset`` is given none
            (autoreset included).
        autoreset_mode: Gymnasium's autoreset mode (next step by default).
        **env_kwargs: Passed to each :class:`~sixg.sim.env.NetOpsEnv` (``catalog``,
            ``success_reward``, ``invalid_call_penalty``, ``render_mode``).
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int,
        *,
        backend: str = DEFAULT_BACKEND,
        backend_kwargs: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        **env_kwargs: Any,
    ):
        if not isinstance(num_envs, int) or num_envs < 1:
            raise UserError(f"num_envs must be a whole number >= 1, got {num_envs!r}")
        if isinstance(backend, Backend):
            raise UserError("a vector environment makes one backend per episode: pass a backend id, not an instance")
        try:
            self.autoreset_mode = AutoresetMode(autoreset_mode)
        except ValueError:
            raise UserError(
                f"autoreset_mode {autoreset_mode!r} is not one of {[m.value for m in AutoresetMode]}"
            ) from None
        self.num_envs = num_envs
        self._batch = None
        kwargs = dict(backend_kwargs or {})
        if backend == "surrogate":
            from sixg.backends.batched import SurrogateBatch

            self._batch = SurrogateBatch(num_envs, **kwargs)
            self.envs = tuple(NetOpsEnv(backend=b, options=options, **env_kwargs) for b in self._batch.backends)
        else:
            self.envs = tuple(
                NetOpsEnv(backend=backend, backend_kwargs=kwargs, options=options, **env_kwargs)
                for _ in range(num_envs)
            )
        first = self.envs[0]
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.render_mode = first.render_mode
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self._ended = np.zeros(num_envs, dtype=np.bool_)
        self._observations = [""] * num_envs

    # --- the vector API ------------------------------------------------------------------------
    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[tuple[str, ...], dict[str, Any]]:
        """Reset every episode (or those of ``options["reset_mask"]``); an int seed gives seeds ``seed .. seed+N-1``."""
        seeds = self._seeds(seed)
        options = dict(options) if options is not None else None
        mask = np.ones(self.num_envs, dtype=np.bool_)
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options.pop("reset_mask"))
            if mask.shape != (self.num_envs,) or mask.dtype != np.bool_ or not mask.any():
                raise UserError(
                    f"options['reset_mask'] must be a boolean array of shape ({self.num_envs},) with a True"
                )
            options = options or None
        jobs = [
            partial(env.reset, seed=s, options=options) if m else None for env, s, m in zip(self.envs, seeds, mask)
        ]
        outs = self._run(jobs)
        infos: dict[str, Any] = {}
        for i, out in enumerate(outs):
            if out is not None:
                self._observations[i], info = out
                infos = self._add_info(infos, info, i)
        self._ended[mask] = False
        return tuple(self._observations), infos

    def step(self, actions: Any) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One call per episode; episodes that ended at the last step start anew instead (next-step autoreset)."""
        calls = self._calls(actions)
        restart = self._ended if self.autoreset_mode is AutoresetMode.NEXT_STEP else np.zeros_like(self._ended)
        if self.autoreset_mode is AutoresetMode.DISABLED and self._ended.any():
            raise UserError(
                f"episodes {np.flatnonzero(self._ended).tolist()} have ended; reset them "
                "(options={'reset_mask': ...}) before stepping, or use another autoreset_mode"
            )
        jobs: list[Callable[[], Any]] = [
            env.reset if restart[i] else partial(env.step, calls[i]) for i, env in enumerate(self.envs)
        ]
        outs = self._run(jobs)
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        truncated = np.zeros(self.num_envs, dtype=np.bool_)
        infos: dict[str, Any] = {}
        for i, out in enumerate(outs):
            if restart[i]:
                self._observations[i], info = out
            else:
                self._observations[i], rewards[i], terminated[i], truncated[i], info = out
            infos = self._add_info(infos, info, i)
        ended = terminated | truncated
        if self.autoreset_mode is AutoresetMode.SAME_STEP and ended.any():
            finals = {i: (self._observations[i], _info_of(outs[i])) for i in np.flatnonzero(ended)}
            again = self._run([self.envs[i].reset if ended[i] else None for i in range(self.num_envs)])
            for i, (final_obs, final_info) in finals.items():
                infos = self._add_info(infos, {"final_obs": final_obs, "final_info": final_info}, i)
                self._observations[i], info = again[i]
                infos = self._add_info(infos, info, i)
            ended[:] = False
        self._ended = ended
        return tuple(self._observations), rewards, terminated, truncated, infos

    def render(self) -> tuple[str | None, ...]:
        return tuple(env.render() for env in self.envs)

    def close_extras(self, **kwargs: Any) -> None:
        for env in self.envs:
            env.close()
        if self._batch is not None:
            self._batch.close()

    # --- introspection ---------------------------------------------------------------------------
    @property
    def batch(self):
        """The :class:`~sixg.backends.batched.SurrogateBatch` (None on another backend)."""
        return self._batch

    # --- internals --------------------------------------------------------------------------------
    def _run(self, jobs: Sequence[Callable[[], Any] | None]) -> list[Any]:
        if self._batch is not None:
            return self._batch.run(jobs)
        return [job() if job is not None else None for job in jobs]

    def _seeds(self, seed: int | Sequence[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, (int, np.integer)):
            return [int(seed) + i for i in range(self.num_envs)]
        seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise UserError(f"give one seed per environment ({self.num_envs}), got {len(seeds)}")
        return seeds

    def _calls(self, actions: Any) -> list[Any]:
        n = self.num_envs
        if isinstance(actions, Mapping) and set(actions) == {"name", "arguments"}:
            names, arguments = actions["name"], actions["arguments"]
            if not all(isinstance(x, Iterable) and not isinstance(x, (str, Mapping)) for x in (names, arguments)):
                raise UserError(
                    f"a vector step takes {n} calls: {{'name': ({n} names), 'arguments': ({n} texts)}}, "
                    "not one call; wrap a single call in a list of one per environment"
                )
            names, arguments = list(names), list(arguments)
            if len(names) != n or len(arguments) != n:
                raise UserError(f"got {len(names)} names and {len(arguments)} arguments for {n} environments")
            return [{"name": a, "arguments": b} for a, b in zip(names, arguments)]
        if isinstance(actions, Sequence) and not isinstance(actions, str):
            if len(actions) != n:
                raise UserError(f"got {len(actions)} calls for {n} environments; give one call per environment")
            return list(actions)
        raise UserError(
            f"a vector step takes {n} calls, as {{'name': (...), 'arguments': (...)}} or a list of {n} calls, "
            f"not {type(actions).__name__}"
        )


def _info_of(out: Any) -> dict[str, Any]:
    return out[-1]
