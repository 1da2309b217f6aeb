"""The package layering: which parts of sixg may import which."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KNOWN_LOOPS = (
    # Trace generation runs a backend, the surrogate is trained on traces and serves as a
    # backend: one loop of three packages, kept until training and serving are split apart.
    {"sixg.backends", "sixg.surrogate", "sixg.traces"},
    # The Ray runner is the optional half of sixg.parallel, in a module of its own so that
    # importing sixg.parallel never needs Ray; it shares sixg.parallel's types.
    {"sixg.parallel", "sixg.parallel_ray"},
)


def _unit(module: str) -> str | None:
    """The part of the code base a module belongs to: ``ns3_bridge``, or ``sixg.<package or module>``."""
    parts = module.split(".")
    if parts[0] == "ns3_bridge":
        return "ns3_bridge"
    if parts[0] == "sixg" and len(parts) > 1:
        return f"sixg.{parts[1]}"
    return None


def import_graph() -> dict[str, set[str]]:
    """Every import statement in sixg and ns3_bridge (deferred ones too), between parts."""
    graph: dict[str, set[str]] = defaultdict(set)
    for top in ("sixg", "ns3_bridge"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("").parts
            here = _unit(".".join(rel[:-1] if rel[-1] == "__init__" else rel))
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                for name in names:
                    there = _unit(name)
                    if there is not None and here is not None and there != here:
                        graph[here].add(there)
    return graph


def loops(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected parts of ``graph`` with more than one member."""
    reach = {a: set() for a in graph}
    for a in graph:
        todo = list(graph[a])
        while todo:
            b = todo.pop()
            if b not in reach[a]:
                reach[a].add(b)
                todo.extend(graph.get(b, ()))
    found = {frozenset({a} | {b for b in reach[a] if a in reach.get(b, ())}) for a in graph}
    return [set(c) for c in found if len(c) > 1]


def test_no_import_cycles_between_packages():
    """No two parts of sixg (nor ns3_bridge) import each other, directly or round a loop."""
    assert [c for c in loops(import_graph()) if c not in KNOWN_LOOPS] == []


def test_the_cycle_check_sees_a_cycle():
    """The check finds a loop when there is one."""
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_the_episode_layer_imports_no_agent_or_benchmark():
    """Importing the environment loads neither the agents nor the benchmark."""
    code = "import sys, sixg.sim; print(sorted(m for m in sys.modules if m.startswith(('sixg.agents', 'sixg.bench'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
