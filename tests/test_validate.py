"""NS-3 grounded validation: statistics, each backend's own verdict, the report, and the command line."""

from __future__ import annotations

import json

import pytest
from toynet import ToyBackend

from sixg.bench.run import Episode, run_task
from sixg.bench.tasks import SliceIs
from sixg.domain import SliceType
from sixg.validate import ShadowedDual, across_agents, agent_row, correlations, judge_both, scatter, summarise, table
from sixg.validate.report import label_positions

# --- statistics ------------------------------------------------------------------------------


def test_pearson_and_spearman_across_agents():
    """Pearson measures linear agreement, Spearman rank agreement: a monotone but bent relation has rho 1, r < 1."""
    xs, ys = [0.1, 0.2, 0.3, 0.9], [0.1, 0.15, 0.2, 0.95]
    c = correlations(xs, ys)
    assert c["spearman"] == pytest.approx(1.0)
    assert 0.9 < c["pearson"] < 1.0
    swapped = correlations([0.1, 0.2, 0.9], [0.9, 0.2, 0.1])
    assert swapped["spearman"] == pytest.approx(-1.0) and swapped["pearson"] == pytest.approx(-0.6842, abs=1e-4)


@pytest.mark.parametrize(("xs", "ys"), [([0.5, 0.7], [0.4, 0.6]), ([0.5, 0.5, 0.5], [0.1, 0.4, 0.9]), ([0.1, None, 0.3], [0.2, 0.3, None])])
def test_correlation_is_undefined_for_too_few_agents_or_a_constant_side(xs, ys):
    """Two agents, or an SR that does not vary, give no coefficient rather than a meaningless +-1 or NaN."""
    assert correlations(xs, ys) == {"pearson": None, "spearman": None}


def _ep(task_id: str, tier: str, success: bool, ns3: bool, *, error: str | None = None, cause: str | None = None) -> Episode:
    extra = {"ns3_success": ns3, "disagreement": cause, "kpi_gap": {"latency_ms": -40.0}}
    return Episode(task_id, 0, tier, "network_slicing", "f", success, success, success, 3, 3, 0, 1.0, 0.1, error=error, extra=extra)


def test_agent_row_rates_gaps_and_disagreements_per_tier():
    """A row holds SR under each backend per tier, the gap, the agreement, and each disagreement with its cause; errors are not scored."""
    eps = [
        _ep("a", "L1", True, True),
        _ep("b", "L1", True, False, cause="sla_met: SLA met on the surrogate, SLA missed on latency on ns-3"),
        _ep("c", "L2", False, False),
        _ep("d", "L2", True, True),
        _ep("e", "L3", False, False, error="SimulationError: worker died"),
    ]
    row = agent_row(eps, dual=True)
    assert row["episodes"] == 4 and row["errors"] == 1
    assert row["tiers_surrogate"] == {"L1": 1.0, "L2": 0.5, "L3": None}
    assert row["tiers_ns3"] == {"L1": 0.5, "L2": 0.5, "L3": None}
    assert row["gap_tiers"] == {"L1": 0.5, "L2": 0.0, "L3": None}
    assert row["sr_surrogate"] == 0.75 and row["sr_ns3"] == 0.5 and row["gap"] == 0.25
    assert row["episode_agreement"] == 0.75
    (d,) = row["disagreements"]
    assert d["task_id"] == "b" and d["tier"] == "L1" and d["surrogate_success"] and not d["ns3_success"]
    assert "SLA missed on latency" in d["cause"] and d["kpi_gap"] == {"latency_ms": -40.0}


def test_across_agents_per_tier_and_overall():
    """Correlations and the mean |gap| are given per tier and overall, over the agents that ran the tier."""
    rows = {
        name: agent_row([_ep("a", "L1", s1, n1), _ep("b", "L2", s2, n2)], dual=True)
        for name, (s1, n1, s2, n2) in {"x": (True, True, True, False), "y": (True, False, False, False), "z": (False, False, False, False)}.items()
    }
    stats = across_agents(rows)
    assert stats["L1"]["mean_abs_gap"] == pytest.approx(1 / 3) and stats["L1"]["agents"] == 3
    assert stats["L2"]["pearson"] is None  # ns-3 SR is 0 for every agent in L2
    assert stats["L3"] == {"pearson": None, "spearman": None, "mean_abs_gap": None, "agents": 0}
    result = summarise(rows, dual=True, tasks=2)
    assert result["pearson_r"] == stats["all"]["pearson"] and result["spearman_rho"] == stats["all"]["spearman"]


# --- each backend judges itself ----------------------------------------------------------------


class SlowToy(ToyBackend):
    """The toy network, with 500 ms more latency than anyone would accept: every SLA fails on it."""

    def _snapshot(self):
        snap = super()._snapshot()
        state = snap.state.model_copy(update={"latency_ms": snap.state.latency_ms + 500.0})
        return snap.model_copy(update={"state": state})


@pytest.fixture(scope="module")
def congestion_task():
    """A shipped congestion task whose reference meets its goal on the shipped surrogate."""
    from sixg.bench.build import load_benchmark, verify_reference
    from sixg.sim.env import NetOpsEnv

    env = NetOpsEnv(backend="surrogate")
    try:
        return next(t for t in load_benchmark().tasks if t.family == "ns_urllc_congestion" and verify_reference(t, env).success)
    finally:
        env.close()


def _judged(task):
    from sixg.agents import make_agent
    from sixg.sim.env import NetOpsEnv

    backend = ShadowedDual(ns3=SlowToy())
    env = NetOpsEnv(backend=backend)
    try:
        return run_task(task, make_agent("reference"), env, on_world=lambda t, e, v: judge_both(t, e, confirmed=v).record(t))
    finally:
        env.close()
        backend.close()


def test_ns3_side_is_judged_on_its_own_measurements(congestion_task):
    """The same calls succeed on the surrogate and fail where the other backend measured the SLA missed;
    the disagreement names the check and the latency on both sides with its bound."""
    ep = _judged(congestion_task)
    assert ep.error is None and ep.success and ep.verified
    x = ep.extra
    assert not x["ns3_success"] and not x["ns3_goal_met"] and not x["ns3_verified"]
    assert dict((c[0], c[1]) for c in x["ns3_checks"]) == {"slice_is": True, "sla_met": False}
    assert x["sustained"]["ns3"]["latency_ms"] > 500 > x["sustained"]["surrogate"]["latency_ms"]
    assert x["kpi_gap"]["latency_ms"] < -400
    assert "sla_met: SLA met over the last 3 s on the surrogate, SLA missed on latency" in x["disagreement"]
    assert "latency_ms" in x["disagreement"] and "(bound " in x["disagreement"]


def test_a_confirmation_on_the_surrogate_is_not_one_on_ns3(congestion_task):
    """With only an action check left in a goal that asks for verification, the ns-3 verdict still fails: the agent's verification
    held on the surrogate's measurements, not on the other backend's (its flag is not reused)."""
    task = congestion_task.model_copy(update={"goal": (SliceIs(slice=SliceType.URLLC),), "requires_verification": True})
    ep = _judged(task)
    assert ep.success and ep.extra["ns3_goal_met"]
    assert not ep.extra["ns3_verified"] and not ep.extra["ns3_success"]
    assert "verification: the goal held on the surrogate when the agent confirmed it, not on ns-3" in ep.extra["disagreement"]


# --- the report ---------------------------------------------------------------------------------


def _result():
    rows = {
        "reference": agent_row([_ep("a", "L1", True, True), _ep("b", "L2", True, False, cause="sla_met: ...")], dual=True),
        "threshold": agent_row([_ep("a", "L1", True, True), _ep("b", "L2", False, False)], dual=True),
        "mapek": agent_row([_ep("a", "L1", True, True), _ep("b", "L2", False, False)], dual=True),
        "drl": agent_row([_ep("a", "L1", False, False), _ep("b", "L2", False, False)], dual=True),
        "random": agent_row([_ep("a", "L1", False, False), _ep("b", "L2", True, False, cause="c")], dual=True),
    }
    return summarise(rows, dual=True, benchmark_version="test", tasks=2, wall_seconds=60.0)


def test_table_shows_tiers_both_backends_correlations_and_disagreements():
    """The printed table gives per tier SR under each backend and the gap, both coefficients, and each disagreement by task."""
    text = table(_result())
    assert "| reference | 100.0 / 100.0 (+0.0) | 100.0 / 0.0 (+100.0) | - |" in text
    assert "Pearson r" in text and "Spearman rho" in text and "Success rates in %" in text
    assert "Verdicts differ in 2 episode(s)" in text
    assert "reference b (L2): success on the surrogate, failure on ns-3 -- sla_met: ..." in text


def test_label_heights_keep_close_labels_apart():
    """Labels of points near each other are spread at least the minimum gap apart; far ones stay at their point."""
    h = label_positions([(0.0, 0.0), (2.0, 1.0), (1.0, 0.5), (90.0, 0.0)], min_gap=6.0)
    near = sorted(h[:3])
    assert all(b - a >= 6.0 - 1e-9 for a, b in zip(near, near[1:]))
    assert h[3] == 0.0


def test_scatter_labels_do_not_overlap(tmp_path):
    """In the drawn scatter, agents at the same point share a label and no two labels overlap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = _result()
    captured = {}
    real_close = plt.close

    def keep(fig):
        captured["fig"] = fig

    plt.close = keep
    try:
        path = scatter(result, tmp_path / "scatter.png")
    finally:
        plt.close = real_close
    fig = captured["fig"]
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_text()]
    assert sorted(t.get_text() for t in labels) == ["drl", "random", "reference", "threshold, mapek"]
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    assert path.stat().st_size > 0
    real_close(fig)


# --- the command line ------------------------------------------------------------------------------


def test_cli_on_two_tasks_with_the_surrogate(tmp_path, capsys):
    """`python -m sixg.validate --backend surrogate` on two L1 tasks writes the result and prints SR per tier in %."""
    from sixg.validate.__main__ import main

    out = tmp_path / "v"
    assert main(["--backend", "surrogate", "--tier", "L1", "--per-tier", "2", "--agents", "reference,random", "--workers", "1", "--out", str(out)]) == 0
    result = json.loads((out / "validation.json").read_text())
    assert result["tasks"] == 2 and result["agents"]["reference"]["tiers_surrogate"]["L1"] == 1.0
    text = capsys.readouterr().out
    assert "| reference | 100.0 | 100.0 | - | - |" in text and "Success rates in %" in text


@pytest.mark.ns3
def test_cli_on_two_tasks_with_ns3(tmp_path, capsys):
    """`python -m sixg.validate --backend ns3` on two L1 tasks judges each episode on both backends and draws the scatter."""
    from sixg.validate.__main__ import main

    out = tmp_path / "v"
    assert main(["--backend", "ns3", "--tier", "L1", "--per-tier", "2", "--agents", "reference", "--workers", "1", "--out", str(out)]) == 0
    result = json.loads((out / "validation.json").read_text())
    row = result["agents"]["reference"]
    assert result["tasks"] == 2 and row["episodes"] == 2
    assert row["tiers_surrogate"]["L1"] is not None and row["tiers_ns3"]["L1"] is not None
    for line in (out / "reference" / "results.jsonl").read_text().splitlines():
        extra = json.loads(line)["extra"]
        assert {"ns3_success", "ns3_verified", "sustained", "kpi_gap", "disagreement"} <= extra.keys()
    assert (out / "sr_scatter.png").stat().st_size > 0
    assert "L1 surrogate / ns-3 (gap)" in capsys.readouterr().out


def test_cli_refuses_a_tier_without_tasks(tmp_path, capsys):
    """An empty selection is one error line, not a traceback or an empty table."""
    from sixg.validate.__main__ import main

    bench = tmp_path / "b.json"
    from sixg.bench.build import fingerprint, load_benchmark

    shipped = load_benchmark()
    tasks = [t for t in shipped.tasks if t.tier == "L1"][:1]
    bench.write_text(json.dumps({"version": shipped.version, "tasks": [t.model_dump(mode="json") for t in tasks], "fingerprint": fingerprint(tasks), "validation_ids": [tasks[0].id]}))
    assert main(["--backend", "surrogate", "--tier", "L3", "--benchmark", str(bench), "--out", str(tmp_path / "v")]) == 2
    assert "the validation subset has no L3 task" in capsys.readouterr().err


def test_sanity_agents_are_shown_but_not_counted_across_agents():
    """`null` and `verify-only` get rows marked as sanity rows, and do not enter the correlation or the mean gap."""
    rows = {
        "reference": agent_row([_ep("a", "L1", True, True), _ep("b", "L1", True, True)], dual=True),
        "mapek": agent_row([_ep("a", "L1", True, True), _ep("b", "L1", False, False)], dual=True),
        "threshold": agent_row([_ep("a", "L1", True, False), _ep("b", "L1", False, False)], dual=True),
        "null": agent_row([_ep("a", "L1", False, False), _ep("b", "L1", False, False)], dual=True),
    }
    with_sanity = across_agents(rows)
    without = across_agents({k: v for k, v in rows.items() if k != "null"})
    assert with_sanity == without and with_sanity["L1"]["agents"] == 3
    assert "| null (sanity) |" in table(summarise(rows, dual=True, tasks=2))
