"""Shared fixtures: tiny scenarios, and one ns-3 worker per test module that needs it.

Two markers split the slow part of the suite off (``pyproject.toml`` declares them):
``ns3`` for tests that run the real simulator, ``llm`` for those that build and run a
tiny language model. ``python -m pytest -q -m "not ns3 and not llm"`` runs the rest in
a few minutes. A test that takes the ``ns3_worker`` fixture is marked ``ns3`` here even if
its module forgot, so the fast subset never starts ns-3 by accident.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The tiny tool-calling model of :mod:`tinyllm`, built once per session (~20-40 s on one thread)."""
    from tinyllm import build_tiny_model

    import torch

    torch.set_num_threads(1)
    return build_tiny_model(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def served_model(tiny_model, tmp_path_factory):
    """``transformers serve`` serving the tiny model on a loopback port: ``(base_url, model name)``."""
    from tinyllm import free_port

    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cmd = [sys.executable, "-c", "from transformers.cli.transformers import main; main()", "serve", str(tiny_model)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--device", "cpu", "--log-level", "warning"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 300  # a loaded 2-core machine has needed over 120 s to start it
        while True:
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not answer /health within 300 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1", str(tiny_model)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
