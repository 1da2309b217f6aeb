"""The backend contract and the registry that looks backends up by id."""

from __future__ import annotations

import abc
import importlib
from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from sixg.actions import Action
from sixg.backends.gap import WindowGap
from sixg.domain import Frozen
from sixg.errors import UnknownIdError, did_you_mean
from sixg.scenario import Scenario
from sixg.snapshot import ActionResult, Snapshot


class StepOutput(Frozen):
    """One window of a backend: the actions applied at its start and what it measured."""

    snapshot: Snapshot
    results: tuple[ActionResult, ...] = Field(default=())
    #: A dual run's window: both backends' measurements and their gap (None on a single backend).
    dual: WindowGap | None = None


class Backend(abc.ABC):
    """A network advanced in fixed windows under the co-simulation's clock.

    Lifecycle: construct (cheap, acquires nothing) -> :meth:`reset` -> :meth:`step`
    any number of times -> :meth:`close`. A backend never keeps a clock of its own
    beyond the window count: the SimPy loop decides when a window passes.

    Every implementation returns the same :class:`~sixg.snapshot.Snapshot` shape and
    accepts the same :mod:`sixg.actions`, so agents, tools and traces cannot tell
    which one ran except through ``snapshot.backend``.
    """

    #: Registry id ("ns3", "surrogate", "dual").
    id: ClassVar[str]
    #: Length of one window in simulated seconds.
    window_s: float

    @abc.abstractmethod
    def reset(self, scenario: Scenario, *, seed: int) -> Snapshot:
        """Build ``scenario``; ``seed`` fixes every random choice of the episode.

        Returns the state at episode time 0.
        """

    @abc.abstractmethod
    def step(self, actions: Sequence[Action] = ()) -> StepOutput:
        """Apply ``actions`` at the current time, then advance one window."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release processes, files and models."""

    @property
    @abc.abstractmethod
    def now(self) -> float:
        """Episode time reached (s)."""

    def describe(self) -> dict[str, object]:
        """Facts about the backend for run metadata (what it is, its fidelity)."""
        return {"backend": self.id, "window_s": self.window_s}

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_REGISTRY: dict[str, str] = {}


def register_backend(backend_id: str, entry_point: str) -> None:
    """Register ``"module:Class"`` under ``backend_id`` (imported on first use)."""
    _REGISTRY[backend_id] = entry_point


def backend_ids() -> list[str]:
    return sorted(_REGISTRY)


def make_backend(backend_id: str, **kwargs) -> Backend:
    """Construct the backend registered as ``backend_id`` (cheap; nothing starts yet)."""
    try:
        entry = _REGISTRY[backend_id]
    except KeyError:
        raise UnknownIdError(
            f"no backend {backend_id!r}; registered backends are {backend_ids()}." + did_you_mean(backend_id, _REGISTRY)
        ) from None
    module, _, name = entry.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(**kwargs)


register_backend("ns3", "sixg.backends.ns3:Ns3Backend")
register_backend("surrogate", "sixg.backends.surrogate:SurrogateBackend")
register_backend("dual", "sixg.backends.dual:DualBackend")
