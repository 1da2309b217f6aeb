"""One root error for sixg, with subclasses named for the condition.

They are grouped by who has to act:

* :class:`UserError` -- the caller of the library or CLI passed something wrong
  (a seed from the wrong split, an unknown backend id, a bad flag). The message
  says what to pass instead.
* :class:`DataError` -- a file sixg reads (trace, checkpoint, benchmark) is corrupt,
  truncated or made for another schema. The message names the file.
* :class:`SimulationError` -- the simulator side failed (ns-3 missing, the module
  would not build, a worker died). The message says what was running.
* :class:`ModelBehaviorError` -- an agent's output could not be turned into a tool
  call. These never escape an episode: the tool boundary turns them into an error
  result that costs the agent a step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SixgError(Exception):
    """Root of every error sixg raises on purpose."""


# --- the caller must fix -------------------------------------------------------------


class UserError(SixgError):
    """A developer or CLI user passed something sixg cannot work with."""


class SeedSplitError(UserError, ValueError):
    """A topology seed was used outside its split (training 1-50, benchmark 51-80)."""


class UnknownIdError(UserError, KeyError):
    """An id (backend, agent, scenario element) is not registered or does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class InvalidActionError(UserError, ValueError):
    """An action sent to a backend is malformed or impossible in this scenario."""


class ResetNeeded(UserError, RuntimeError):
    """A backend or environment was used before ``reset()`` (or after ``close()``)."""


class DependencyNotInstalled(UserError, ImportError):
    """An optional dependency needed for the requested feature is missing."""


# --- a file must be fixed ---------------------------------------------------------------


class DataError(SixgError):
    """A file sixg reads is corrupt, truncated, or made for another schema."""


class CorruptTraceError(DataError, ValueError):
    """A CSV trace cannot be read or does not match the documented schema."""


class CheckpointError(DataError, ValueError):
    """A model checkpoint is missing, corrupt, truncated, or was made for another schema."""


class CheckpointMissing(CheckpointError, FileNotFoundError):
    """A checkpoint file, or the JSON config that belongs beside it, does not exist."""


class CheckpointCorrupt(CheckpointError):
    """A checkpoint's bytes or config cannot be trusted: bad JSON, no hash, a hash mismatch, not safetensors."""


class CheckpointMismatch(CheckpointError):
    """A sound checkpoint made for something else: another kind, version, schema or architecture."""


# --- the simulator side failed ------------------------------------------------------------


class SimulationError(SixgError):
    """The network simulator failed."""


class Ns3BuildError(SimulationError):
    """sixg's ns-3 module could not be built."""


class WorkerCrashed(SimulationError):
    """An ns-3 worker process died (ns-3 aborts the process on fatal errors)."""

    def __init__(self, message: str, *, action: str | None = None, exitcode: int | None = None):
        super().__init__(message)
        self.action = action
        self.exitcode = exitcode


class WorkerProcessDied(SixgError):
    """A worker process of this machine (:class:`sixg.parallel.ProcessWorkers`) died before its job
    finished: killed, out of memory, or a crash in native code."""


# --- a cluster the jobs were sent to failed them ----------------------------------------------


class ClusterError(SixgError):
    """A Ray cluster could not be reached or could not finish the jobs sent to it."""


class ClusterUnreachable(ClusterError, ConnectionError):
    """No Ray cluster answers at the given address (or Ray could not start here)."""


class WorkerLost(ClusterError):
    """A job's worker died every time the job was tried (the job was not finished)."""


# --- an agent produced something unusable ---------------------------------------------------


class ModelBehaviorError(SixgError):
    """An agent's output could not be parsed or validated as a tool call."""


class UnknownToolError(ModelBehaviorError, KeyError):
    """The agent called a tool that is not in the catalog."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class MalformedCallError(ModelBehaviorError, ValueError):
    """The call (``whole_call``) or its arguments are not a JSON object the boundary can read."""

    def __init__(self, message: str, *, whole_call: bool = False):
        super().__init__(message)
        self.whole_call = whole_call


class InvalidArgumentsError(ModelBehaviorError, ValueError):
    """The arguments do not fit the tool's signature (missing, extra, mistyped, out of range, unknown id)."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()):
        super().__init__(message)
        self.problems = problems


class ToolRefusedError(ModelBehaviorError):
    """A well-formed call that the current situation rules out (e.g. a handover to the serving cell).

    Raised by a tool before it changes anything, so a refused call leaves the world as it was.
    """


#: Longest piece of a model's own text an error message repeats back to it.
ECHO_LIMIT = 60


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` quoted for an error message: printable ASCII, at most ``limit`` characters of it.

    A model may send anything as a name or key (megabytes, control characters, any
    script); what comes back in the message it reads stays short and plain, with a
    note of how much was left out.
    """
    shown, width = [], 0
    for char in text:
        piece = "\\'" if char == "'" else char.encode("unicode_escape").decode("ascii")
        if width + len(piece) > limit:
            break
        shown.append(piece)
        width += len(piece)
    cut = len(text) - len(shown)
    return "'" + "".join(shown) + "'" + (f" (+{cut} more characters)" if cut > 0 else "")


def validation_problems(error, *, whole: str) -> str:
    """A pydantic ``ValidationError`` as one line: ``field.path: message`` per problem, joined by ``"; "``.

    ``whole`` names what a problem without a field path is about ("options", "arguments").
    """
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in error.errors(include_url=False))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``."""
    if len(word) > 4 * ECHO_LIMIT:  # nothing that long is a typo of a name, and matching it costs
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""
