"""Thousands of malformed calls at the boundary: never a crash, never a change to the world."""

from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from toynet import started, valid_arguments

from sixg.errors import ModelBehaviorError
from sixg.tools import default_catalog

CATALOG = default_catalog()
NAMES = sorted(CATALOG)
ENV, WORLD = started(max_steps=10_000)
VALID = valid_arguments(WORLD)
BOUNDARY = ENV.sim.boundary

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["uav-0", "uav-9", "gnb-1", "gnb-7", "ue-0", "eMBB", "URLLC", "urllc", "edge", "fog", "keep_in"]),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every path into nested dicts and lists (the mutation targets)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


@st.composite
def mutated_calls(draw):
    """A valid call with one to three random mutations: a value replaced, a key dropped or added."""
    name = draw(st.sampled_from(NAMES))
    args = copy.deepcopy(VALID[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(args) if p]
        how = draw(st.sampled_from(["replace", "drop", "add"] if paths else ["add"]))
        if how == "add" or not paths:
            args[draw(st.text(min_size=1, max_size=10))] = draw(json_value)
            continue
        path = draw(st.sampled_from(paths))
        parent = args
        for key in path[:-1]:
            parent = parent[key]
        if how == "drop":
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_value)
    encoding = draw(st.sampled_from(["dict", "text", "truncated"]))
    if encoding == "dict":
        return {"name": name, "arguments": args}
    text = json.dumps(args)
    if encoding == "truncated":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return {"name": name, "arguments": text}


random_calls = st.one_of(
    json_value,
    st.text(max_size=200),
    st.builds(
        lambda n, a: {"name": n, "arguments": a}, st.one_of(st.sampled_from(NAMES), st.text(max_size=30)), json_value
    ),
    st.builds(lambda n, a: {"name": n, "arguments": a}, st.sampled_from(NAMES), st.text(max_size=80)),
)


def _bind_or_explain(raw) -> bool:
    try:
        BOUNDARY.bind(raw)
        return True
    except ModelBehaviorError as exc:
        assert str(exc)  # every rejection explains itself
        return False


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=random_calls)
def test_random_calls_never_crash_the_boundary(raw):
    """Arbitrary JSON, text and name/argument pairs either bind or raise a ModelBehaviorError; the world is untouched."""
    before = WORLD.network_fingerprint(), len(WORLD.log)
    _bind_or_explain(raw)
    assert (WORLD.network_fingerprint(), len(WORLD.log)) == before


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=mutated_calls())
def test_mutated_valid_calls_never_crash_the_boundary(raw):
    """Valid calls with random damage either still bind or are rejected with a reason; the world is untouched."""
    before = WORLD.network_fingerprint(), len(WORLD.log)
    _bind_or_explain(raw)
    assert (WORLD.network_fingerprint(), len(WORLD.log)) == before


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(mutated_calls(), random_calls))
def test_malformed_calls_through_the_loop_cost_a_step_and_change_nothing(raw):
    """Through env.step, a rejected call is an error result that applies nothing and logs nothing."""
    sim = ENV.sim
    applied, log, plans = (
        len(sim.backend.applied),
        len(sim.world.log),
        {u: p.waypoints for u, p in sim.world.plans.items()},
    )
    steps = ENV.steps
    out = ENV.step(raw)
    assert ENV.steps == steps + 1
    if not out.result.ok:
        assert out.result.error.message and "error" in out.observation
        assert len(sim.backend.applied) == applied and len(sim.world.log) == log
        assert {u: p.waypoints for u, p in sim.world.plans.items()} == plans
