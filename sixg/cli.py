"""What sixg's command lines share: one runner that turns errors into exit codes, and argparse types.

Every ``python -m sixg.<package>`` entry point (and the scripts in ``examples/``) parses its
arguments and hands the work to :func:`run_command`, so that a typed error, Ctrl-C and a
closed pipe end every command the same way::

    def main(argv=None) -> int:
        args = parser().parse_args(argv)
        return run_command(lambda: COMMANDS[args.command](args), interrupted="rerun to resume")
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

#: Exit status for an error the user can fix (the same status argparse uses for a usage error).
EXIT_ERROR = 2
#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130
#: Exit status when the reader of standard output went away (``| head``), as for SIGPIPE.
EXIT_PIPE_CLOSED = 141


def run_command(work: Callable[[], int], *, interrupted: str = "interrupted") -> int:
    """Run one command's ``work`` and return its exit status.

    A :class:`~sixg.errors.SixgError` becomes one ``error: ...`` line on stderr and status 2;
    Ctrl-C prints ``interrupted: <interrupted>`` and gives 130; a reader that closed the pipe
    (``python -m sixg.tools list --json | head``) ends the command quietly with 141. Any other
    exception is a bug in sixg and keeps its traceback.

    Args:
        work: Does the command and returns its exit status.
        interrupted: What the user should know after Ctrl-C (e.g. how to resume).
    """
    # Before any import of numpy or torch: one thread each unless the user chose otherwise.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    show_progress_messages()
    from sixg.errors import SixgError

    try:
        status = work()
        sys.stdout.flush()  # a closed pipe shows up here when the output was small
        return status
    except SixgError as exc:
        try:
            sys.stdout.flush()  # what the command printed comes before the error
        except BrokenPipeError:
            pass
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"interrupted: {interrupted}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Python would report the failed flush at exit once more; point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED


#: Loggers whose INFO lines (e.g. "building sixg's ns-3 module ...") a command line shows.
LOGGERS = ("sixg", "ns3_bridge")


class _StderrHandler(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a line is logged (tests replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the property decides
        pass


def show_progress_messages() -> None:
    """Send the INFO lines of sixg's loggers to stderr, as bare text (once per process; a logging
    set-up the caller already made for them is left alone). Library code logs, never prints."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in LOGGERS:
        log = logging.getLogger(name)
        if not log.handlers:
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False


def positive_int(text: str) -> int:
    """An argparse type for counts (tasks, trials, workers, epochs, ...): an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type for durations and windows: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0.0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text}")
    return value


def agent_args(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs (``--agent-arg``) as constructor keyword arguments; values are JSON when they parse.

    Raises:
        UserError: a pair has no ``=`` or no key, or a key is given twice.
    """
    import json

    from sixg import jsontext
    from sixg.errors import UserError, echo

    out = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key:
            raise UserError(f"--agent-arg takes KEY=VALUE, got {echo(p)}")
        if key in out:
            raise UserError(f"--agent-arg {echo(key)} is given twice: give each argument once")
        try:
            out[key] = jsontext.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def add_cluster_option(parser: argparse.ArgumentParser) -> None:
    """Give a long command ``--ray [ADDRESS]``: run its episodes on a Ray cluster instead of local workers."""
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run the episodes on Ray: join the cluster at ADDRESS (or RAY_ADDRESS), or start a local Ray runtime "
        "when neither is given; one worker per CPU of the cluster (--workers is then unused); needs `pip install sixg[ray]`",
    )


def cluster_of(args: argparse.Namespace):
    """The :class:`sixg.parallel.Cluster` that ``--ray`` asked for, or None to run here."""
    if getattr(args, "ray", None) is None:
        return None
    from sixg.parallel import Cluster

    return Cluster(address=args.ray or None)
