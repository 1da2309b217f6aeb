"""6G-Forge's openai teacher: prompts that carry the demonstrations and the tool signatures, what it
writes read through the tools' argument models and verified like any program, junk rejected and
counted by reason, an unreachable endpoint a clear error; and the tiny model served on loopback."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from sixg.agents.llm import EndpointError
from sixg.forge.annotate import DecisionPoint, annotate, seed_blueprint
from sixg.forge.openai_teacher import OpenAITeacher
from sixg.forge.pipeline import ForgeStalled, run_forge
from sixg.forge.programs import render
from sixg.forge.records import load_records
from sixg.forge.teacher import OfflineTeacher, Teacher, TeacherUnavailable
from sixg.scenario import Split, generate
from tinyllm import free_port

SAMPLE = Path(__file__).parent / "data" / "forge-sample"
#: Training seeds whose topology has UAVs (the scripted teacher below writes UAV programs).
UAV_SEEDS = [s for s in range(1, 51) if generate(s, split=Split.TRAIN).uav_ids][:3]


class ScriptedEndpoint:
    """A chat endpoint whose replies a function makes from the request (or a list gives in turn)."""

    url = "http://scripted.invalid/v1/chat/completions"

    def __init__(self, reply):
        self.reply = reply
        self.bodies: list[dict] = []

    def open(self) -> None:
        pass

    def complete(self, body):
        self.bodies.append(body)
        out = self.reply(body) if callable(self.reply) else self.reply.pop(0)
        if isinstance(out, Exception):
            raise out
        return {"role": "assistant", "content": out}, "stop"


def _user(body) -> str:
    return body["messages"][-1]["content"]


def _checks(body) -> list[dict]:
    return json.loads(re.search(r"must pass these checks: (\[.*\])", _user(body)).group(1))


def _program_for(checks: list[dict]) -> list[dict]:
    """The calls that meet goal checks about UAVs and the mission log (others get a look around only)."""
    steps = []
    for c in checks:
        if c["check"] == "uav_altitude":
            steps.append({"tool": "adjust_altitude", "args": {"uav": c["uav"], "altitude": c["altitude_m"]}})
        elif c["check"] == "uav_speed":
            steps.append({"tool": "adjust_speed", "args": {"uav": c["uav"], "speed": c["speed_mps"]}})
        elif c["check"] == "uav_heading_to":
            steps.append({"tool": "set_waypoint", "args": {"uav": c["uav"], "position": c["position"]}})
        elif c["check"] == "log_has" and c["kind"] == "alert":
            steps.append({"tool": "send_alert", "args": {"uav": c["uav"], "alert": c["data"]["alert"]}})
        elif c["check"] == "log_has" and c["kind"] == "broadcast":
            steps.append({"tool": "broadcast_status", "args": {"uav": c["uav"], "message": {"status": c["data"]["status"], "text": "status update"}}})
        elif c["check"] == "log_has" and c["kind"] == "heartbeat":
            steps.insert(0, {"tool": "heartbeat", "args": {"uav": c["uav"]}})
    return steps or [{"tool": "check_network_state", "args": {}}]


def _uav_point() -> DecisionPoint:
    seed = UAV_SEEDS[0]
    return DecisionPoint(seed=seed, episode=0, t=3.0, kind="uav_drift", detail={"uav": generate(seed, split=Split.TRAIN).uav_ids[0]})


def test_both_teachers_implement_one_protocol():
    """The offline and the openai teacher have every method of the Teacher protocol, with the same parameters."""
    import inspect

    offline, model = OfflineTeacher([1]), OpenAITeacher("m", seeds=[1], endpoint=ScriptedEndpoint([]))
    for name in ("annotate", "propose", "correct", "wait_and_recheck"):
        want = list(inspect.signature(getattr(Teacher, name)).parameters)[1:]
        assert list(inspect.signature(getattr(offline, name)).parameters) == want
        assert list(inspect.signature(getattr(model, name)).parameters) == want


def test_both_teachers_say_whether_verification_leaves_this_process():
    """The offline teacher computes here (its runs verify in worker processes and pickle it there); the served one waits on a server (threads)."""
    import pickle

    offline = OfflineTeacher([1, 2], p_fault=0.5)
    assert offline.local is True and OpenAITeacher("m", seeds=[1], endpoint=ScriptedEndpoint([])).local is False
    copy = pickle.loads(pickle.dumps(offline))
    assert (copy.seeds, copy.p_fault, copy.p_degrade) == ([1, 2], 0.5, offline.p_degrade)


def test_a_blueprint_s_length_is_its_program_s():
    """The step count the teacher fits tiers by is the rendered program's, and an unfit blueprint is unfit for both."""
    import random

    from sixg.forge.programs import SCENES, Blueprint, Unfit, length

    rng, checked = random.Random(5), 0
    for _ in range(120):
        bp = Blueprint(scene=rng.choice(SCENES), seed=rng.randint(1, 50), variant=rng.randrange(10**6), detail=rng.randint(0, 2), diagnose=rng.random() < 0.5, degrade=rng.random() < 0.3)
        try:
            n = length(bp)
        except Unfit:
            with pytest.raises(Unfit):
                render(bp)
            continue
        assert n == len(render(bp).task.reference) == len(render(bp).thoughts)
        checked += 1
    assert checked >= 60


def test_a_scripted_valid_program_is_verified_and_kept(tmp_path):
    """A seed trajectory the model writes (its own intent, a valid program) passes verification and is kept, labelled with the teacher."""
    point = _uav_point()
    situation = render(seed_blueprint(point))
    intent = f"Bring {point.detail['uav']} back onto its plan."
    reply = json.dumps({"intent": intent, "steps": [{"tool": s.tool, "args": s.model_dump(mode="json")["args"], "thought": "Act on the drone."} for s in situation.steps]})
    endpoint = ScriptedEndpoint(lambda body: reply)
    teacher = OpenAITeacher("scripted", seeds=[point.seed], endpoint=endpoint)
    m = annotate("none", tmp_path / "pool", points=[point], backend="surrogate", teacher=teacher)
    (rec,) = load_records(tmp_path / "pool")
    assert m["counters"]["kept"] == 1 and rec.intent == intent and rec.meta.teacher == "openai:scripted"
    assert rec.tool_sequence() == [s.tool for s in situation.steps] and all(ok for _, ok, _ in rec.outcome)
    prompt = endpoint.bodies[0]["messages"]
    assert "adjust_altitude(uav: string, altitude: number) [reasoning]" in prompt[0]["content"]
    assert "decision point: uav_drift at t=3 s" in prompt[1]["content"] and _checks(endpoint.bodies[0]) == [g.model_dump(mode="json") for g in situation.task.goal]


def test_expansion_keeps_what_reaches_the_goal_and_counts_the_rest(tmp_path):
    """Expansion prompts carry k demonstrations and the drawn situation; programs that meet the checks are kept, the others rejected as goal not reached."""
    endpoint = ScriptedEndpoint(lambda body: json.dumps({"intent": "Do what the checks ask.", "steps": _program_for(_checks(body))}))
    teacher = OpenAITeacher("scripted", seeds=range(1, 51), endpoint=endpoint, p_degrade=0.0)
    pool = load_records(SAMPLE)
    m = run_forge(tmp_path / "c", seeds=range(1, 51), target=len(pool) + 50, batch=8, demos=2, pool=SAMPLE, teacher=teacher, seed=4, max_rounds=1)
    c = m["counters"]
    kept = load_records(tmp_path / "c")[len(pool) :]
    assert c["proposed"] == 8 and c["kept"] == len(kept) > 0
    assert all(r.meta.teacher == "openai:scripted" and r.intent == "Do what the checks ask." for r in kept)
    verification = {k: n for k, n in c["rejected"].items() if k != "proposal: scene does not fit the topology"}
    assert all(k.startswith("verification: goal not reached") for k in verification), c["rejected"]
    assert c["kept"] + sum(verification.values()) + c["duplicates"] == 8
    first = _user(endpoint.bodies[0])
    assert first.count("\nintent: ") == 2 and "Example 2" in first and "Topology seed" in first


#: What a model may write, and the reason each is rejected for.
JUNK = [
    ("I would move the drone somewhere safer.", "proposal: reply is not JSON"),
    ('{"intent": "Fix it.", "steps": [{"tool": "reboot_gnb", "args": {"gnb": "gnb-0"}}]}', "proposal: unknown tool"),
    ('{"intent": "Fix it.", "steps": [{"tool": "get_slice_status", "args": {"slice": 5}}]}', "proposal: argument of the wrong type"),
    ('{"intent": "Fix it.", "steps": [{"tool": "get_slice_status", "args": {"slices": "eMBB"}}]}', "proposal: unknown argument"),
    ('{"intent": "Fix it.", "steps": []}', "proposal: no steps"),
    ('{"steps": [{"tool": "check_network_state"}]}', "proposal: no intent"),
    (EndpointError("HTTP 500 from the model server", url="x", status=500), "proposal: endpoint failed (HTTP 500)"),
    ('{"intent": "Look around.", "steps": [{"tool": "check_network_state", "args": {}}]}', "verification: goal not reached"),
]


def test_junk_is_rejected_and_counted_by_reason(tmp_path):
    """Each kind of junk a model writes is a counted rejection under its reason, nothing is kept, and the run completes."""
    endpoint = ScriptedEndpoint(lambda body: JUNK[(len(endpoint.bodies) - 1) % len(JUNK)][0])
    teacher = OpenAITeacher("junk", seeds=UAV_SEEDS, endpoint=endpoint, p_degrade=0.0)
    m = run_forge(tmp_path / "c", seeds=UAV_SEEDS, target=5, batch=4, teacher=teacher, seed=1, max_rounds=1)
    counted = Counter()
    for reason, n in m["counters"]["rejected"].items():
        if reason != "proposal: scene does not fit the topology":
            counted[reason.split(" (")[0] if reason.startswith("verification") else reason] += n
    served = Counter(JUNK[i % len(JUNK)][1] for i in range(len(endpoint.bodies)))
    assert sum(served.values()) >= len(JUNK) and counted == served
    assert m["counters"]["kept"] == 0 and m["counters"]["proposed"] == served["verification: goal not reached"]


def test_a_model_that_only_writes_junk_stalls_the_run_with_a_typed_error(tmp_path):
    """Rounds that keep nothing end the run with ForgeStalled naming the teacher and the rejections, not a hang."""
    teacher = OpenAITeacher("junk", seeds=UAV_SEEDS, endpoint=ScriptedEndpoint(lambda body: "no"), p_degrade=0.0)
    with pytest.raises(ForgeStalled, match=r"rounds in a row kept nothing.*proposal: reply is not JSON.*openai:junk"):
        run_forge(tmp_path / "c", seeds=UAV_SEEDS, target=5, batch=1, teacher=teacher, seed=1)


def test_a_failed_step_is_corrected_by_the_model_into_an_error_recovery_trace(tmp_path):
    """A wrong UAV id fails at the boundary; the model reads the typed error, writes the corrected call, and the run is kept as error-recovery."""
    point = _uav_point()
    situation = render(seed_blueprint(point))
    steps = [{"tool": s.tool, "args": s.model_dump(mode="json")["args"]} for s in situation.steps]
    act = next(i for i, s in enumerate(steps) if s["tool"] in ("adjust_altitude", "adjust_speed", "set_waypoint"))
    wrong = json.loads(json.dumps(steps))
    wrong[act]["args"]["uav"] = "uav-99"

    def reply(body):
        text = _user(body)
        if text.startswith("This call failed"):
            assert "uav-99" in text and "invalid_arguments" in text
            return json.dumps(steps[act])
        return json.dumps({"intent": "Put the drone right.", "steps": wrong})

    teacher = OpenAITeacher("scripted", seeds=[point.seed], endpoint=ScriptedEndpoint(reply))
    annotate("none", tmp_path / "pool", points=[point], backend="surrogate", teacher=teacher)
    (rec,) = load_records(tmp_path / "pool")
    assert rec.meta.source == "error-recovery" and rec.recovery.tool == steps[act]["tool"] and rec.recovery.error_kind == "invalid_arguments"
    assert rec.recovery.correction == {"name": steps[act]["tool"], "arguments": steps[act]["args"]}


def test_an_unreachable_endpoint_is_a_clear_error(tmp_path, capsys):
    """Nothing listening at --base-url: the command stops with one error line saying what to pass, no traceback."""
    from sixg.forge.__main__ import main

    url = f"http://127.0.0.1:{free_port()}/v1"
    argv = ["run", "--target", "40", "--teacher", "openai", "--model", "m", "--base-url", url, "--out", str(tmp_path / "c"), "--batch", "1", "--no-pool"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(r"error: the openai teacher cannot work: could not reach .*/v1/chat/completions.*--base-url URL and --model NAME", err)
    assert "Traceback" not in err
    assert main(["run", "--target", "40", "--teacher", "openai", "--out", str(tmp_path / "d")]) == 2
    assert "--teacher openai needs --model NAME" in capsys.readouterr().err
    with pytest.raises(TeacherUnavailable):
        OpenAITeacher("m", seeds=[1], base_url=url, max_retries=0).propose([], __import__("random").Random(0))


@pytest.mark.llm
def test_the_served_tiny_model_as_teacher(served_model, tmp_path):
    """The tiny model served on loopback annotates and expands: the run completes, and its junk is rejected with counted reasons."""
    base_url, name = served_model
    # The tiny model's context is 4096 positions: its prompts describe three tools, not all 42.
    shown = ["check_network_state", "get_slice_status", "switch_network_slice"]
    teacher = OpenAITeacher(name, seeds=list(range(1, 51)), base_url=base_url, max_tokens=24, max_retries=0, tools=shown)
    pool = load_records(SAMPLE)
    m = run_forge(tmp_path / "c", seeds=range(1, 51), target=len(pool) + 20, batch=1, demos=1, pool=SAMPLE, teacher=teacher, seed=0, max_rounds=1)
    c = m["counters"]
    attempts = c["proposed"] + sum(n for r, n in c["rejected"].items() if r.startswith("proposal:"))
    assert attempts == 4 or c["proposed"] == 1
    assert sum(c["rejected"].values()) > 0
    assert sum(c["rejected"].values()) + c["kept"] + c["duplicates"] == attempts
    assert all(r.split(":")[0] in ("proposal", "verification", "correction") for r in c["rejected"])
    a = annotate("none", tmp_path / "pool", points=[_uav_point()], backend="surrogate", teacher=teacher)
    assert a["counters"]["points"] == 1 and a["counters"]["kept"] + sum(a["counters"]["rejected"].values()) == 1
