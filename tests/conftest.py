"""Shared fixtures: tiny scenarios, and one ns-3 worker per test module that needs it."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def ns3_worker():
    """A live ns-3 worker shared by the tests of one module (started once: ~5 s)."""
    from ns3_bridge import Ns3Worker

    with Ns3Worker() as worker:
        yield worker
