"""Shared fixtures: tiny scenarios, and one ns-3 worker per test module that needs it.

Two markers split the slow part of the suite off (``pyproject.toml`` declares them):
``ns3`` for tests that run the real simulator, ``llm`` for those that build and run a
tiny language model. ``python -m pytest -q -m "not ns3 and not llm"`` runs the rest in
a few minutes. A test that takes the ``ns3_worker`` fixture is marked ``ns3`` here even if
its module forgot, so the fast subset never starts ns-3 by accident.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "ns3_worker" in getattr(item, "fixturenames", ()) and item.get_closest_marker("ns3") is None:
            item.add_marker(pytest.mark.ns3)


@pytest.fixture(scope="module")
def ns3_worker():
    """A live ns-3 worker shared by the tests of one module (started once: ~5 s)."""
    from ns3_bridge import Ns3Worker

    with Ns3Worker() as worker:
        yield worker
