"""Ten thousand generated calls through one environment: never a crash, never a change after a rejection.

The calls come from a seeded generator (the same 10,000 on every run): valid calls, valid
calls with random damage, arguments nested far too deep, duplicate keys, huge strings,
wrong types, unknown tools and unknown arguments, as a dict, as JSON text, in OpenAI's
shape and as a :class:`ToolCall`.
"""

from __future__ import annotations

import collections
import copy
import json
import random
import string

import pytest
from toynet import started, valid_arguments

from sixg.tools import ToolCall, default_catalog

SEED = 20240917
CALLS = 10_000
NAMES = sorted(default_catalog())
#: What a rejection may show the agent at most (the message and the step counter around it).
MAX_REJECTION_OBSERVATION = 2_400

ID_POOL = ["uav-0", "uav-1", "uav-9", "gnb-0", "gnb-1", "gnb-7", "ue-2", "eMBB", "URLLC", "urllc", "edge", "keep_in"]
ODD_TEXT = ["", " ", "\x00", "\u00e9t\u00e9", "\u4e2d\u6587", "\U0001f680", "\x1b[31m", "a\nb", "'\"\\", "{", "}}"]


def _leaf(rng: random.Random):
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.choice([0, -1, 7, 2**31, -(2**63), 10**30, 10**400])
    if kind == 3:
        return rng.choice([0.0, -0.0, 1e-300, 1.5, 1e308, float("nan"), float("inf"), -float("inf")])
    if kind == 4:
        return rng.choice(ID_POOL)
    if kind == 5:
        return rng.choice(ODD_TEXT)
    if kind == 6:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(20)))
    if kind == 7:
        return rng.uniform(-1e6, 1e6)
    return rng.randrange(-1000, 1000)


def _value(rng: random.Random, depth: int = 0):
    """A random JSON-like value, a few levels deep at most."""
    if depth >= 3 or rng.random() < 0.6:
        return _leaf(rng)
    if rng.random() < 0.5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {_key(rng): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _key(rng: random.Random) -> str:
    return rng.choice(["x", "y", "z", "uav", "slice", "position", "extra", "", "\u00fc", "a" * rng.randrange(1, 12)])


def _deep(depth: int, rng: random.Random):
    value = _leaf(rng)
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def _paths(value, prefix=()):
    """Every path into nested dicts and lists (the places a mutation may hit)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _at(args, path):
    for key in path:
        args = args[key]
    return args


def _mutate(rng: random.Random, args: dict) -> dict:
    args = copy.deepcopy(args)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(args) if p]
        how = rng.choice(["replace", "drop", "add", "retype", "drop_z"] if paths else ["add"])
        if how == "add":
            args[_key(rng) + str(rng.randrange(100))] = _value(rng)
            continue
        if how == "drop_z":
            targets = [p for p in paths if p[-1] == "z"]
            if not targets:
                continue
            path = rng.choice(targets)
        else:
            path = rng.choice(paths)
        parent = _at(args, path[:-1])
        if how == "drop" or how == "drop_z":
            del parent[path[-1]]
        elif how == "retype":
            old = parent[path[-1]]
            parent[path[-1]] = str(old) if not isinstance(old, str) else [old]
        else:
            parent[path[-1]] = _value(rng)
    return args


def _with_duplicate(rng: random.Random, args: dict) -> str:
    """The JSON text of ``args`` with one key written twice, in some object of it."""
    objects = [p for p in _paths(args) if isinstance(_at(args, p), dict) and _at(args, p)]
    path = rng.choice(objects)
    target = _at(args, path)
    key = rng.choice(sorted(target))
    repeat = json.dumps(key) + ":" + json.dumps(rng.choice([target[key], _leaf(rng)]))

    def dump(node, here):
        if isinstance(node, dict):
            parts = [json.dumps(k) + ":" + dump(v, here + (k,)) for k, v in node.items()]
            if here == path:
                parts.insert(rng.randrange(len(parts) + 1), repeat)
            return "{" + ",".join(parts) + "}"
        if isinstance(node, list):
            return "[" + ",".join(dump(v, here + (i,)) for i, v in enumerate(node)) + "]"
        return json.dumps(node)

    return dump(args, ())


def _encode(rng: random.Random, name, arguments):
    how = rng.randrange(5)
    if how == 0:
        return {"name": name, "arguments": arguments}
    if how == 1 and isinstance(arguments, (dict, list)):
        try:
            return {"name": name, "arguments": json.dumps(arguments)}
        except (ValueError, RecursionError):
            return {"name": name, "arguments": arguments}
    if how == 2:
        return {"id": f"call_{rng.randrange(10**6)}", "type": "function", "function": {"name": name, "arguments": arguments}}
    if how == 3 and isinstance(name, str) and isinstance(arguments, (str, dict)):
        return ToolCall(name=name, arguments=arguments)
    try:
        return json.dumps({"name": name, "arguments": arguments})
    except (ValueError, RecursionError):
        return {"name": name, "arguments": arguments}


def generate(rng: random.Random, valid: dict[str, dict]):
    """One call: (shape, raw call). Shapes other than "valid" and "mutated" can never bind."""
    shape = rng.choices(
        ["valid", "mutated", "deep", "duplicate", "huge", "unknown_tool", "unknown_argument", "wrong_type", "garbage"],
        weights=[10, 30, 8, 8, 5, 10, 9, 10, 10],
    )[0]
    name = rng.choice(NAMES)
    args = valid[name]
    if shape == "valid":
        return shape, _encode(rng, name, copy.deepcopy(args))
    if shape == "mutated":
        return shape, _encode(rng, name, _mutate(rng, args))
    if shape == "deep":
        depth = rng.choice([33, 40, 200, 999, 1000, 1500, 5000])
        where = rng.randrange(3)
        if where == 0:  # the arguments themselves
            return shape, {"name": name, "arguments": _deep(depth, rng)}
        if where == 1:  # inside an argument, as JSON text
            return shape, {"name": name, "arguments": '{"a":' + "[" * depth + "]" * depth + "}"}
        return shape, "[" * depth + "]" * depth  # the whole call
    if shape == "duplicate":
        if not args:
            return shape, '{"name": "check_network_state", "name": "read_telemetry", "arguments": "{}"}'
        return shape, {"name": name, "arguments": _with_duplicate(rng, args)}
    if shape == "huge":
        size = rng.choices([10_000, 100_000, 1_000_000], weights=[6, 3, 1])[0]
        blob = rng.choice("x\u00e9\x00{") * size
        where = rng.randrange(3)
        if where == 0:
            return shape, {"name": blob, "arguments": "{}"}
        if where == 1:
            return shape, {"name": name, "arguments": {**args, blob: 1}}
        return shape, {"name": name, "arguments": {**args, "note": blob}}
    if shape == "unknown_tool":
        unknown = rng.choice(
            [
                name[:-1],
                name.upper(),
                name + "s",
                rng.choice(ODD_TEXT),
                "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 80))),
                "functions." + name,
            ]
        )
        return shape, _encode(rng, unknown, copy.deepcopy(args))
    if shape == "unknown_argument":
        extra = {_key(rng) + "_" + str(rng.randrange(10**4)): _value(rng) for _ in range(rng.randint(1, 3))}
        return shape, _encode(rng, name, {**args, **extra})
    if shape == "wrong_type":
        return shape, rng.choice(
            [
                {"name": name, "arguments": rng.choice([[], [1, 2], 3, 2.5, True])},
                {"name": rng.choice([None, 7, [], {}]), "arguments": "{}"},
                {"name": name, "arguments": rng.choice(['"text"', "[1]", "3", "null", "true"])},
                rng.choice([None, 0, [], 3.5, {"function": name}]),
                {"function": {"name": name, "arguments": {1, 2}}},
            ]
        )
    text = json.dumps({"name": name, "arguments": args})
    return shape, rng.choice(
        [
            text[: rng.randrange(len(text))],
            text.replace("}", "", 1),
            '{"name": "%s", "arguments": {"x": NaN}}' % name,
            '{"name": "%s", "arguments": {"x": 1e400}}' % name,
            '{"name": "%s", "arguments": {"x": %s}}' % (name, "9" * 5000),
            "".join(rng.choice(string.printable) for _ in range(rng.randrange(200))),
            "",
        ]
    )


def _control(env):
    """Everything a rejected call must leave alone: what was applied, planned and recorded."""
    world = env.sim.world
    return (
        len(env.sim.backend.applied),
        len(world.applied),
        len(world.log),
        dict(world.handover_requests),
        {u: (p.waypoints, p.speed_mps, p.loop) for u, p in world.plans.items()},
    )


def run(calls: int = CALLS, seed: int = SEED):
    """Step ``calls`` generated calls through one toy environment; per-shape counts and every failure seen."""
    rng = random.Random(seed)
    env, world = started(max_steps=2_000)
    valid = valid_arguments(world)
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    for i in range(calls):
        shape, raw = generate(rng, valid)
        before = _control(env)
        try:
            out = env.step(raw)
        except Exception as exc:  # the point of the test: record, do not stop at the first
            failures.append(f"call {i} ({shape}): {type(exc).__name__}: {str(exc)[:200]}")
            continue
        ok = out.result.ok
        counts[shape, ok] += 1
        if not env.observation_space.contains(out.observation):
            failures.append(f"call {i} ({shape}): observation outside the observation space")
        if not ok:
            if _control(env) != before:
                failures.append(f"call {i} ({shape}): rejected ({out.result.error.kind}) but changed the network")
            if len(out.observation) > MAX_REJECTION_OBSERVATION:
                failures.append(f"call {i} ({shape}): a {len(out.observation)}-character rejection")
        elif shape not in ("valid", "mutated"):
            failures.append(f"call {i} ({shape}): bound although it never should: {out.observation[:200]}")
        if out.terminated or out.truncated:
            env.reset(seed=i, options={"scenario_seed": 6, "max_steps": 2_000})
            valid = valid_arguments(env.sim.world)
    env.close()
    return counts, failures


@pytest.fixture(scope="module")
def fuzzed():
    """The fuzz run, shared by the tests below."""
    return run()


def test_ten_thousand_generated_calls_never_crash_and_rejections_change_nothing(fuzzed):
    """No generated call raises out of env.step; each rejection is a short, printable error that applies nothing."""
    counts, failures = fuzzed
    assert failures == []
    assert sum(counts.values()) == CALLS


def test_the_generator_reaches_every_shape_both_ways(fuzzed):
    """The fuzz run really exercised each bad shape, and accepted calls too (so 0 changes means something)."""
    counts, _ = fuzzed
    for shape in ("deep", "duplicate", "huge", "unknown_tool", "unknown_argument", "wrong_type", "garbage"):
        assert counts[shape, False] > 100, shape
    assert counts["valid", True] > 500
    assert counts["mutated", False] > 1000 and counts["mutated", True] > 0
