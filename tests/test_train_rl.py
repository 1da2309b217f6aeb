"""The pieces of closed-loop RL: composite reward, frontier selection, DAPO's dynamic sampling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sixg.bench.run import Episode
from sixg.errors import UserError
from sixg.train.rl import Band, NoLearningSignal, RewardWeights, episode_reward, estimate_success, fill_batch, select_frontier


def _episode(*, success: bool, invalid: int, error: str | None = None, checks: tuple[bool, ...] = ()) -> Episode:
    return Episode(
        task_id="t", trial=0, tier="L2", domain="network_slicing", family="f", success=success, goal_met=success,
        verified=success, steps=3 + invalid, reference_length=3, invalid_calls=invalid, t_end=1.0, wall_s=0.1, error=error,
        checks=[[f"check-{i}", ok, "..."] for i, ok in enumerate(checks)],
    )


def test_perfect_rollout_earns_more_than_a_malformed_one():
    """A solved episode without failed calls outranks the same solve with malformed calls, which outranks a failure."""
    w = RewardWeights(task=1.0, malformed=0.2)
    perfect = episode_reward(_episode(success=True, invalid=0), w)
    sloppy = episode_reward(_episode(success=True, invalid=2), w)
    failed = episode_reward(_episode(success=False, invalid=2), w)
    assert perfect == 1.0 and sloppy == pytest.approx(0.6) and failed == pytest.approx(-0.4)
    assert episode_reward(_episode(success=True, invalid=0, error="EndpointError: down"), w) == 0.0
    with pytest.raises(UserError, match="malformed >= 0"):
        RewardWeights(malformed=-1)


def test_partial_credit_separates_failed_episodes_only_when_asked():
    """With a checks weight, a failure that meets one of two goal checks outranks one that meets none; by default they tie."""
    half = _episode(success=False, invalid=0, checks=(True, False))
    none = _episode(success=False, invalid=0, checks=(False, False))
    solved = _episode(success=True, invalid=0, checks=(True, True))
    assert episode_reward(half) == episode_reward(none) == 0.0
    w = RewardWeights(task=1.0, malformed=0.1, checks=0.4)
    assert episode_reward(half, w) == pytest.approx(0.2) and episode_reward(none, w) == 0.0
    assert episode_reward(solved, w) == pytest.approx(1.4)
    assert episode_reward(_episode(success=False, invalid=1, error="EndpointError: down", checks=(True, True)), w) == pytest.approx(-0.1)
    with pytest.raises(UserError, match="checks >= 0"):
        RewardWeights(checks=-0.5)


def test_frontier_keeps_exactly_the_band():
    """Tasks whose success rate is inside the band (ends included) are kept, in order; the rest are not."""
    rates = {"never": 0.0, "low-edge": 0.25, "mid": 0.5, "high-edge": 0.75, "always": 1.0, "just-out": 0.76}
    assert select_frontier(rates, Band(0.25, 0.75)) == ["low-edge", "mid", "high-edge"]
    assert select_frontier(rates, Band(0.0, 1.0)) == list(rates)
    with pytest.raises(UserError, match="0 <= low <= high <= 1"):
        Band(0.8, 0.2)


def test_success_estimate_is_seeded_and_counts_k_episodes():
    """The estimate plays k episodes per task with seeds drawn from the run seed: same seed, same episodes and rates."""
    played = []

    def play(task, seed):
        played.append((task, seed))
        return seed % 2 == 0

    a = estimate_success(["x", "y"], play, k=8, seed=3)
    first = list(played)
    played.clear()
    assert estimate_success(["x", "y"], play, k=8, seed=3) == a and played == first
    assert [t for t, _ in first] == ["x"] * 8 + ["y"] * 8
    assert a["x"] == sum(s % 2 == 0 for t, s in first if t == "x") / 8


def test_dynamic_sampling_refills_a_batch_of_all_equal_groups():
    """A first draw of groups whose rewards are all equal is dropped and refilled with groups whose rewards differ."""
    draws = []
    supply = [[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [-0.1, -0.1, -0.1, -0.1], [1.0, 0.9, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]]

    def draw(n):
        draws.append(n)
        out, supply[:] = supply[:n], supply[n:]
        return out

    batch = fill_batch(draw, lambda g: g, size=2, max_draws=10)
    assert batch.groups == [[0.0, 1.0, 0.0, 0.0], [1.0, 0.9, 1.0, 1.0]]
    assert draws == [2, 2, 1] and batch.drawn == 5 and batch.dropped == 3


def test_dynamic_sampling_stops_at_its_draw_limit():
    """Groups that never differ end in NoLearningSignal after max_draws groups, saying what to change."""
    calls = []

    def draw(n):
        calls.append(n)
        return [[0.5, 0.5]] * n

    with pytest.raises(NoLearningSignal, match="narrow the frontier band"):
        fill_batch(draw, lambda g: g, size=2, max_draws=5)
    assert sum(calls) == 5


SAMPLE = Path(__file__).parent / "data" / "forge-sample"


def test_frontier_on_real_episodes_keeps_the_band(tmp_path):
    """Played on the surrogate, the reference solutions succeed (at least one of two episodes) and the null
    agent never does: the band keeps exactly the tasks whose rate lies in it, a band excluding 0 and 1
    keeps none of the null agent's pool, and the command line reports survivors out of the pool."""
    from sixg.agents import make_agent
    from sixg.train.data import Selection
    from sixg.train.frontier import run_frontier, training_tasks
    from sixg.train.__main__ import main

    tasks = training_tasks(SAMPLE, Selection(limit=2))
    assert tasks and all(t.split == "train" for t in tasks)
    ref = run_frontier(tasks, lambda: make_agent("reference"), k=2, band=Band(0.0, 1.0))
    null = run_frontier(tasks, lambda: make_agent("null"), k=2, band=Band(0.1, 0.9))
    assert all(r > 0.0 for r in ref["rates"].values()) and ref["kept"] == [t.id for t in tasks]
    narrow = run_frontier(tasks, lambda: make_agent("reference"), k=2, band=Band(0.1, 0.9))
    assert narrow["kept"] == [t.id for t in tasks if narrow["rates"][t.id] in Band(0.1, 0.9)]
    assert set(null["rates"].values()) == {0.0} and null["kept"] == [] and null["survivors"] == 0
    assert ref["pool"] == null["pool"] == len(tasks) and not ref["errors"]
    out = tmp_path / "frontier.json"
    assert main(["frontier", "--corpus", str(SAMPLE), "--limit", "1", "--agent", "reference", "--k", "1", "--low", "1", "--high", "1", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["pool"] == 1 and doc["survivors"] == len(doc["kept"]) == (doc["rates"][doc["kept"][0]] == 1.0 if doc["kept"] else 0)


def test_plot_compares_rl_runs_and_names_a_missing_log(tmp_path, capsys):
    """`sixg.train plot` draws two runs' per-step logs into one PNG, and a folder with no log is a clear error."""
    from sixg.train.__main__ import main

    for name, rewards in (("rl-dapo", [-0.4, -0.2, 0.1]), ("rl-grpo", [-0.4, -0.35, -0.3])):
        d = tmp_path / name
        d.mkdir()
        rows = [{"step": i + 1, "reward": r, "success_rate": max(r, 0.0), "malformed_rate": 0.5 - 0.1 * i} for i, r in enumerate(rewards)]
        (d / "rl-log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    png = tmp_path / "cmp.png"
    assert main(["plot", str(tmp_path / "rl-dapo"), str(tmp_path / "rl-grpo"), "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "rl-dapo: 3 step(s), last reward 0.100" in out and "rl-grpo: 3 step(s), last reward -0.300" in out
    assert main(["plot", str(tmp_path), "--out", str(png)]) == 2
    assert "no RL log at" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    for text, says in (('{"step": 1, "reward": 0.1, "succ', "line 1 is not JSON"), ("[1]\n", "line 1 is not a step"), ('{"step": 1}\n', "line 1 is not a step"),
                       ('{"step": 1, "reward": "high", "success_rate": 0, "malformed_rate": 0}\n', "line 1 is not a step"), ("[" * 100_000, "line 1 is not JSON")):
        (bad / "rl-log.jsonl").write_text(text)
        assert main(["plot", str(bad), "--out", str(png)]) == 2
        assert says in capsys.readouterr().err
