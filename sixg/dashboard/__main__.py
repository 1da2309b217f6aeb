"""``python -m sixg.dashboard [PATH...]``: the trace, trajectory and benchmark dashboard in a browser.

    python -m sixg.dashboard                               # data/traces and runs/ under this folder
    python -m sixg.dashboard data/traces runs/bench runs/validate-ns3
    python -m sixg.dashboard runs/mcp --port 8600          # MCP episodes' trajectories

PATHs are trace corpora, benchmark or validation output folders, or trajectory files
(folders are searched). The server listens on 127.0.0.1 (this machine only) unless
--host says otherwise; open the printed address.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sixg.cli import positive_int, run_command


def streamlit_args(app: str, *, host: str, port: int) -> list[str]:
    """The ``streamlit run`` arguments: a headless server on host:port, no usage statistics."""
    return [
        "run",
        app,
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sixg.dashboard", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", type=Path, help="trace corpora, run folders, validation folders, trajectory files (default: data/traces and runs)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=positive_int, default=8501, help="port (default 8501)")
    a = p.parse_args(argv)

    def work() -> int:
        from sixg.dashboard import DEFAULT_PATHS, PATHS_ENV
        from sixg.errors import UserError

        paths = a.paths or [Path(x) for x in DEFAULT_PATHS if Path(x).exists()]
        missing = [str(x) for x in paths if not x.exists()]
        if missing or not paths:
            raise UserError(
                f"nothing to show: {', '.join(missing) or ' and '.join(DEFAULT_PATHS)} not found; give trace, run or trajectory paths"
                " (e.g. `python -m sixg.dashboard data/traces runs/bench`)"
            )
        os.environ[PATHS_ENV] = os.pathsep.join(str(x) for x in paths)  # the page runs in this working directory
        from streamlit.web.cli import main as streamlit_main

        app = str(Path(__file__).with_name("app.py"))
        print(f"sixg dashboard on http://{a.host}:{a.port} (Ctrl-C stops it)", file=sys.stderr)
        streamlit_main(streamlit_args(app, host=a.host, port=a.port), prog_name="streamlit", standalone_mode=False)
        return 0

    return run_command(work, interrupted="the dashboard stopped")


if __name__ == "__main__":
    sys.exit(main())
