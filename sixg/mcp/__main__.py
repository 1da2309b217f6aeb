"""``python -m sixg.mcp``: serve one episode's tools to an MCP client.

    python -m sixg.mcp                                  # stdio (what desktop clients launch)
    python -m sixg.mcp --backend ns3 --scenario-seed 3  # the tools on live ns-3
    python -m sixg.mcp --http --port 8765               # streamable HTTP on 127.0.0.1:8765/mcp

Each episode's trajectory is written to --trajectories (one JSONL file per episode,
rewritten after every call; ``python -m sixg.sim show FILE`` prints it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sixg.cli import positive_int, run_command


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sixg.mcp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", default="surrogate", help="backend id: surrogate (default), ns3 or dual")
    p.add_argument("--seed", type=int, default=1, help="seed of the first episode (backend randomness, degradations)")
    p.add_argument("--scenario-seed", type=positive_int, default=1, help="topology seed of the first episode (1-50 train, 51-80 benchmark)")
    p.add_argument("--split", choices=["train", "benchmark"], default=None, help="split of --scenario-seed (default: the one it belongs to)")
    p.add_argument("--degradations", choices=["random", "none"], default="random", help="degradations drawn from the seed, or none")
    p.add_argument("--max-steps", type=positive_int, default=30, help="tool calls per episode")
    p.add_argument("--trajectories", type=Path, default=Path("runs/mcp"), help="folder for the episodes' JSONL trajectories (default runs/mcp)")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=positive_int, default=8765, help="HTTP port (default 8765)")
    a = p.parse_args(argv)

    from pydantic import ValidationError

    from sixg.mcp.session import EpisodeSession, ResetArguments

    split = a.split or ("train" if a.scenario_seed <= 50 else "benchmark")
    try:
        first = ResetArguments(seed=a.seed, scenario_seed=a.scenario_seed, split=split, degradations=a.degradations, max_steps=a.max_steps)
    except ValidationError as exc:
        p.error("; ".join(f"--{'-'.join(str(x) for x in e['loc']).replace('_', '-')}: {e['msg']}" for e in exc.errors(include_url=False)))

    def work() -> int:
        from sixg.backends import make_backend
        from sixg.scenario import generate

        make_backend(a.backend)  # an unknown id fails here, not inside the protocol (constructing starts nothing)
        generate(first.scenario_seed, split=first.split)  # a seed outside its split, likewise
        session = EpisodeSession(backend=a.backend, trajectory_dir=a.trajectories, first=first)
        try:
            return _serve_http(session, a.host, a.port) if a.http else _serve_stdio(session)
        finally:
            session.close()

    return run_command(work, interrupted="the server stopped; the trajectories written so far are complete")


def _serve_stdio(session) -> int:
    import anyio
    from mcp.server.stdio import stdio_server

    from sixg.mcp.server import build_server

    # stdout carries the protocol: while the first episode starts, point it at stderr, so that
    # nothing the backend or an ns-3 worker it spawns prints can reach the client's stream
    # (while serving, the SDK does the same). A backend that cannot start fails here, before serving.
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        session.start()
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
    server = build_server(session)

    async def serve() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(serve)
    return 0


def _serve_http(session, host: str, port: int) -> int:
    import uvicorn

    from sixg.mcp.server import build_server

    session.start()  # before serving: a backend that cannot start is one error line
    app = build_server(session).streamable_http_app(host=host)
    print(f"sixg MCP server on http://{host}:{port}/mcp (trajectories in {session.trajectory_dir})", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
