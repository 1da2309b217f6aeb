"""The domain types: the SLA's targets are declared once and every check reads them from there."""

from __future__ import annotations

import random

from sixg.domain import SLA_DIMENSIONS, NetworkState, SLASpec, SliceType
from sixg.tools.measures import sla_checks, sla_covers


def test_the_sla_table_names_every_target_and_the_field_it_bounds():
    """Each SLASpec field is one dimension's bound, on a numeric NetworkState field."""
    assert sorted(d.bound for d in SLA_DIMENSIONS) == sorted(SLASpec.model_fields)
    assert all(d.field in NetworkState.NUMERIC for d in SLA_DIMENSIONS)
    assert [d.name for d in SLA_DIMENSIONS if not d.upper] == ["throughput"]


def test_violations_checks_and_coverage_agree_with_the_table():
    """violations(), the tools' SLA checks and 'at least as strict' all follow each dimension's direction."""
    rng = random.Random(0)
    sla = SLASpec(max_latency_ms=50.0, max_jitter_ms=5.0, max_loss_rate=0.02, min_throughput_mbps=4.0)
    for _ in range(200):
        state = NetworkState(
            slice=SliceType.EMBB,
            latency_ms=rng.uniform(0, 100),
            jitter_ms=rng.uniform(0, 10),
            loss_rate=rng.uniform(0, 0.04),
            throughput_mbps=rng.uniform(0, 8),
            edge_load=0.5,
        )
        checks = sla_checks(state, sla)
        assert [c.dimension for c in checks if not c.ok] == sla.violations(state)
        assert all((c.margin >= 0) == c.ok for c in checks)
    stricter = sla.model_copy(update={"max_latency_ms": 40.0, "min_throughput_mbps": 5.0})
    assert sla_covers(stricter, sla) and not sla_covers(sla, stricter)
