"""Scenarios come from topology seeds; the training and benchmark splits cannot be mixed."""

import pytest

from sixg.errors import SeedSplitError, UserError
from sixg.scenario import Split, generate, parse_seeds, split_of, split_of_seeds


def test_same_seed_same_scenario():
    """A seed alone determines the scenario."""
    assert generate(7, split="train") == generate(7, split="train")


def test_different_seeds_differ():
    """Different seeds give different networks."""
    scenarios = {generate(s, split="train").model_dump_json() for s in range(1, 21)}
    assert len(scenarios) == 20


def test_seed_ranges_cover_the_paper_layout():
    """Every seed has 1-3 base stations, ground UEs, UAVs at altitude with waypoints, and all three slices."""
    n_gnbs = set()
    for s in list(range(1, 51)) + list(range(51, 81)):
        sc = generate(s, split=split_of(s))
        n_gnbs.add(len(sc.gnbs))
        assert 1 <= len(sc.gnbs) <= 3
        assert any(u.kind == "ground" for u in sc.ues)
        assert sc.uavs and all(len(u.waypoints) >= 3 and all(w.z >= 40 for w in u.waypoints) for u in sc.uavs)
        assert {f.slice.value for f in sc.flows} == {"eMBB", "URLLC", "mMTC"}
        assert sc.service.ue in sc.ue_ids
        assert sc.edge.capacity_jobs_s < sc.cloud.capacity_jobs_s
        assert sc.cloud.link_delay_ms > sc.edge.link_delay_ms
    assert n_gnbs == {1, 2, 3}


def test_benchmark_seed_refused_for_training():
    """A benchmark seed used as a training seed is refused with a message naming both ranges."""
    with pytest.raises(SeedSplitError, match="seed 60 is a benchmark seed.*training seeds are 1-50"):
        generate(60, split="train")
    with pytest.raises(SeedSplitError, match="seed 3 is a training seed, not a benchmark seed"):
        generate(3, split=Split.BENCHMARK)


def test_seed_outside_both_splits():
    """Seeds outside 1-80 belong to no split."""
    with pytest.raises(SeedSplitError, match="outside 1-80"):
        split_of(81)


def test_parse_seeds_and_split_mixing():
    """Seed lists parse, and a list spanning both splits is refused."""
    assert parse_seeds("1-3,7") == [1, 2, 3, 7]
    assert split_of_seeds(parse_seeds("51-55")) is Split.BENCHMARK
    with pytest.raises(SeedSplitError, match="span the training"):
        split_of_seeds(parse_seeds("49-52"))
    with pytest.raises(UserError, match="runs backwards"):
        parse_seeds("9-3")
    with pytest.raises(UserError, match="cannot read seeds"):
        parse_seeds("one-two")


def test_ue_count_override():
    """The scaling benchmarks can ask for an exact number of UEs."""
    for n in (5, 10, 20):
        assert len(generate(4, split="train", ue_count=n).ues) == n


def test_a_seed_given_as_another_type_does_not_change_what_later_callers_get():
    """Scenarios are built once per process: asking first for seed 3.0 or True never hands seed 3 or 1's callers another topology."""
    from sixg.scenario import _build

    _build.cache_clear()
    want = {seed: generate(seed, split=Split.TRAIN) for seed in (1, 3)}
    _build.cache_clear()
    generate(3.0, split=Split.TRAIN)
    generate(True, split=Split.TRAIN)
    assert generate(3, split=Split.TRAIN) == want[3]
    assert generate(1, split=Split.TRAIN) == want[1]
