"""The scripted experiments in examples/ run to the end with small settings and write what they promise."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example(name: str):
    """Load examples/<name>.py as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_covered():
    """Each script in examples/ is run by some test (here, or with its notebook), so none goes untested."""
    tests = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py") if p.name != Path(__file__).name)
    here = Path(__file__).read_text()
    untested = [p.name for p in EXAMPLES.glob("*.py") if f'"{p.stem}"' not in here + tests and p.name not in tests]
    assert untested == []


def test_degradation_recovery_on_the_surrogate(tmp_path, capsys):
    """The surge-and-recovery script runs on the surrogate: every window in the CSV, the plot written, the
    surge visible in the degraded phase's latency and gone in the recovered phase."""
    out = tmp_path / "run"
    assert _example("degradation_recovery").main(["--backend", "surrogate", "--duration", "24", "--out", str(out)]) == 0
    with open(out / "windows.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 24 / 0.5 + 1 and float(rows[-1]["t"]) == pytest.approx(24.0)
    assert any(r["degradations"] for r in rows) and not rows[0]["degradations"] and not rows[-1]["degradations"]
    assert {r["slice"] for r in rows if float(r["t"]) >= 11} == {"URLLC"}
    assert (out / "six_dimensions.png").stat().st_size > 10_000

    def latency(lo, hi):
        part = [float(r["latency_ms"]) for r in rows if lo <= float(r["t"]) <= hi]
        return sum(part) / len(part)

    assert latency(7, 10) > latency(2, 5) and latency(13, 20) < latency(7, 10)
    printed = capsys.readouterr().out
    assert "normal:" in printed and "degraded:" in printed and "recovered:" in printed


@pytest.mark.ns3
def test_cosim_tools_on_ns3(tmp_path, capsys):
    """The scripted operator recovers the surge on live ns-3 and confirms it; the trajectory is saved and readable."""
    out = tmp_path / "run"
    code = _example("cosim_tools_ns3").main(["--out", str(out), "--no-replay"])
    printed = capsys.readouterr().out
    assert code == 0, printed[-2000:]
    assert "recovered and confirmed" in printed
    lines = (out / "trajectory.jsonl").read_text().splitlines()
    header, steps = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["backend"] == "ns3" and steps[-1]["terminated"]
    assert any(s["result"]["error"] and s["result"]["error"]["kind"] == "unknown_tool" for s in steps)
