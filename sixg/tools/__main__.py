"""``python -m sixg.tools``: print the tool catalog, its JSON schemas, or check them.

python -m sixg.tools list            # the 42 tools by effect class
python -m sixg.tools list --json     # their strict function-calling schemas
python -m sixg.tools show NAME       # one tool: description, signature, schema
python -m sixg.tools check           # every schema against the strict rules
"""

from __future__ import annotations

import argparse
import json
import sys

from sixg.cli import run_command
from sixg.tools.boundary import signature
from sixg.tools.catalog import default_catalog
from sixg.tools.registry import Effect
from sixg.tools.schema import strict_schema_problems


def _first_sentence(text: str) -> str:
    head = text.split("\n\n")[0]
    end = head.find(". ")
    return head if end < 0 else head[: end + 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sixg.tools", description="The agent's tool catalog (paper, Table IV)."
    )
    sub = parser.add_subparsers(dest="command")
    p_list = sub.add_parser("list", help="print the catalog")
    p_list.add_argument(
        "--json", action="store_true", help="print every tool's strict JSON schema (OpenAI function format)"
    )
    p_show = sub.add_parser("show", help="print one tool")
    p_show.add_argument("name")
    sub.add_parser("check", help="check every schema against OpenAI's strict rules")
    args = parser.parse_args(argv)
    command = args.command or "list"
    if command == "list":
        return run_command(lambda: _list(as_json=getattr(args, "json", False)))
    if command == "show":
        return run_command(lambda: _show(args.name))
    return run_command(_check)


def _list(*, as_json: bool) -> int:
    catalog = default_catalog()
    if as_json:
        print(json.dumps(catalog.schemas(), indent=2))
        return 0
    counts = catalog.counts()
    print(f"{len(catalog)} tools: " + ", ".join(f"{e.value} {n}" for e, n in counts.items()))
    for effect in Effect:
        print(f"\n{effect.value.capitalize()} ({counts[effect]})")
        for spec in catalog.by_effect(effect):
            timing = f"{spec.latency_s:.2f} s" if spec.latency_s is not None else "1-2 windows"
            acts = " [acts]" if spec.acts else ""
            print(f"  {signature(spec)}{acts}\n      {timing:>11}  {_first_sentence(spec.description)}")
    return 0


def _show(name: str) -> int:
    spec = default_catalog().lookup(name)  # an unknown name raises UnknownToolError, with suggestions
    print(f"{spec.name} ({spec.effect.value}{', acts on the network' if spec.acts else ''})")
    print(signature(spec))
    print()
    print(spec.description)
    print()
    print(json.dumps(spec.schema, indent=2))
    return 0


def _check() -> int:
    catalog = default_catalog()
    failures = 0
    for spec in catalog.values():
        problems = strict_schema_problems(spec.schema["function"]["parameters"])
        for p in problems:
            print(f"{spec.name}: {p}")
        failures += bool(problems)
    print(f"{len(catalog) - failures} of {len(catalog)} schemas are strict")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
