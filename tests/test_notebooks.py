"""The example notebooks: committed without outputs, built on their scripts, and run top to bottom."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def _imports(nb) -> set[str]:
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
    return names


def _execute(name: str, tmp_path: Path):
    """Run examples/NAME.ipynb in a copy of examples/ (so its outputs land in tmp_path); returns the executed notebook."""
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns("runs", "__pycache__"))
    nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    return nb, work


def test_there_are_notebooks_and_each_has_its_script():
    """Each notebook imports the example script of the same name, so the two cannot drift apart."""
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "dual_gap", "train_agent"}
    for path in NOTEBOOKS:
        assert (EXAMPLES / f"{path.stem}.py").is_file(), f"{path.name} has no script beside it"
        assert path.stem in _imports(nbformat.read(path, as_version=4)), f"{path.name} does not import {path.stem}.py"


def test_notebooks_are_committed_without_outputs():
    """Notebooks in git carry no outputs or execution counts (they are run in CI instead)."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs; clear them before committing"


@pytest.mark.timeout(900)
def test_quickstart_notebook_runs(tmp_path):
    """The quick start runs top to bottom: the hand episode matches the script's, and the baseline writes its summary."""
    nb, work = _execute("quickstart", tmp_path)
    assert (work / "runs" / "quickstart" / "episode.jsonl").is_file()
    assert (work / "runs" / "quickstart" / "bench" / "summary.json").is_file()
    texts = [o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("Intent:" in t for t in texts)
    assert any("Did you mean 'check_network_state'" in t for t in texts)


def test_quickstart_script_runs(tmp_path, capsys):
    """``python examples/quickstart.py`` does the same episode and a baseline on a few tasks."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("quickstart_script", EXAMPLES / "quickstart.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--limit", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "verify_sla_compliance" in out and "SR" in out
    assert module.main(["--scenario-seed", "60", "--out", str(tmp_path / "bad")]) == 2


@pytest.mark.llm
@pytest.mark.timeout(900)
def test_train_agent_notebook_runs(tmp_path):
    """The training walkthrough runs top to bottom: a corpus, a loss that falls, its plot, and a judged benchmark episode."""
    import json

    nb, work = _execute("train_agent", tmp_path)
    out = work / "runs" / "train_agent"
    record = json.loads((out / "model" / "sixg-train.json").read_text())
    assert record["data"]["records"] == 32 and record["steps"] == 40
    assert record["losses"][-1] < record["losses"][0]
    assert (out / "loss.png").stat().st_size > 10_000
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    header, *steps = [json.loads(line) for line in (out / "episode.jsonl").read_text().splitlines()]
    assert header["options"]["split"] == "benchmark" and 1 <= len(steps) <= header["options"]["max_steps"]
    texts = "".join(o.get("text", "") for o in outputs)
    assert re.search(r"^success (True|False), goal met (True|False), verified (True|False)", texts, re.M)
    assert re.search(r"^  \w+: (pass|FAIL) \(", texts, re.M), "the verdict lists no checks"


def test_train_agent_script_refuses_an_unknown_task(tmp_path, capsys):
    """``python examples/train_agent.py --task X`` with X not in the benchmark stops with status 2 before any work."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("train_agent_script", EXAMPLES / "train_agent.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--task", "bench-999-nothing", "--out", str(tmp_path)]) == 2
    assert "no task 'bench-999-nothing'" in capsys.readouterr().err
    assert not (tmp_path / "corpus").exists()


@pytest.mark.ns3
@pytest.mark.timeout(900)
def test_dual_gap_notebook_runs(tmp_path):
    """The co-simulation notebook runs a few simulated seconds on the dual backend and plots the per-window gap."""
    nb, _ = _execute("dual_gap", tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    tables = [o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {})]
    assert any("latency_ms" in t and "mean" in t for t in tables)


@pytest.mark.ns3
@pytest.mark.timeout(600)
def test_dual_gap_script_runs(tmp_path, capsys):
    """``python examples/dual_gap.py`` writes one CSV row per window and dimension and the plot, and prints the mean gaps."""
    import csv
    import importlib.util

    spec = importlib.util.spec_from_file_location("dual_gap_script", EXAMPLES / "dual_gap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--duration", "1.5", "--out", str(tmp_path)]) == 0
    with open(tmp_path / "windows.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == (1.5 / 0.5 + 1) * len(module.DIMENSIONS)
    for r in rows:
        assert float(r["gap"]) == pytest.approx(float(r["surrogate"]) - float(r["ns3"]), abs=1e-9)
    assert (tmp_path / "gap.png").stat().st_size > 10_000
    assert "mean |surrogate - ns-3| per window" in capsys.readouterr().out
