"""The backend contract: what every backend, the ns-3 worker and trace generation share."""

from __future__ import annotations

import inspect

from ns3_bridge.worker import Ns3Worker

from sixg.backends.dual import DualBackend
from sixg.backends.ns3 import Ns3Backend
from sixg.backends.surrogate import SurrogateBackend
from sixg.snapshot import WARMUP_S, WINDOW_S
from sixg.traces.generate import generate


def _default(fn, name: str):
    return inspect.signature(fn).parameters[name].default


def test_every_backend_measures_the_same_window_after_the_same_warm_up():
    """The window length and the warm-up are set in one place, sixg.snapshot, and every default follows it."""
    for fn in (SurrogateBackend, Ns3Backend, DualBackend, Ns3Worker, generate):
        assert _default(fn, "window_s") == WINDOW_S, fn
    for fn in (Ns3Backend, Ns3Worker):
        assert _default(fn, "warmup_s") == WARMUP_S, fn
