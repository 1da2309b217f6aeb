"""The command-line runner every ``python -m sixg.*`` entry point and example script shares."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sixg.cli import EXIT_ERROR, EXIT_INTERRUPTED, agent_args, run_command
from sixg.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
# Child processes import this checkout's sixg, whatever is installed.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_a_typed_error_becomes_one_line_and_status_2(capsys):
    """A SixgError raised by a command is printed as one `error:` line on stderr, with exit status 2."""

    def work() -> int:
        raise UserError("pass --seed 1-50")

    assert run_command(work) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err == "error: pass --seed 1-50\n"


def test_ctrl_c_says_what_to_do_and_gives_130(capsys):
    """Ctrl-C ends a command with status 130 and the command's advice (e.g. how to resume)."""

    def work() -> int:
        raise KeyboardInterrupt

    assert run_command(work, interrupted="rerun to resume") == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted: rerun to resume\n"


def test_a_bug_keeps_its_traceback():
    """An exception that is not a SixgError is a bug and is not swallowed."""

    def work() -> int:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        run_command(work)


def test_agent_args_parse_json_values_and_refuse_pairs_without_a_key():
    """`--agent-arg` values are JSON when they parse, text otherwise; a pair without `=` is refused."""
    assert agent_args(["max_new_tokens=48", "model=/m", "sample=true"]) == {"max_new_tokens": 48, "model": "/m", "sample": True}
    with pytest.raises(UserError, match="KEY=VALUE"):
        agent_args(["model"])


def test_agent_args_refuse_a_key_given_twice():
    """`--agent-arg k=1 --agent-arg k=2` is refused rather than silently keeping the last value."""
    with pytest.raises(UserError, match="given twice"):
        agent_args(["max_remedies=1", "max_remedies=2"])


def test_a_huge_rejected_agent_argument_is_quoted_short():
    """A 50,000-character value in a bad agent argument comes back as a short quote, not the whole text."""
    from sixg.agents import make_agent

    with pytest.raises(UserError, match="max_remedies=.*is not valid") as info:
        make_agent("mapek", max_remedies="[" * 50_000)
    assert len(str(info.value)) < 400


def test_output_cut_short_by_head_ends_quietly():
    """`python -m sixg.tools list --json | head` ends without a BrokenPipeError traceback."""
    shell = f"{sys.executable} -m sixg.tools list --json | head -n 2"
    out = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=120)
    assert out.stdout.splitlines() == ["[", "  {"]
    assert "Traceback" not in out.stderr and "BrokenPipeError" not in out.stderr


@pytest.mark.parametrize("script", ["degradation_recovery.py", "cosim_tools_ns3.py"])
def test_examples_refuse_a_seed_of_the_wrong_split_cleanly(script):
    """An example given a benchmark seed prints one error line naming the training seeds, no traceback."""
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script), "--seed", "70"], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=120)
    assert out.returncode == EXIT_ERROR
    assert out.stderr.startswith("error: ") and "training seeds are 1-50" in out.stderr
    assert "Traceback" not in out.stderr


def test_library_progress_messages_reach_stderr(capsys):
    """What sixg's libraries log at INFO (e.g. a first ns-3 module build) is shown by every command line, as plain text."""
    import logging

    def work() -> int:
        logging.getLogger("ns3_bridge.build").info("building sixg's ns-3 module ...")
        return 0

    assert run_command(work) == 0
    assert "building sixg's ns-3 module ...\n" in capsys.readouterr().err


def test_a_first_ns3_module_build_is_announced(tmp_path, monkeypatch, caplog):
    """Building the ns-3 module (an empty cache) logs a message before the build starts."""
    import logging

    from ns3_bridge import build
    from sixg.errors import DependencyNotInstalled

    monkeypatch.setenv("SIXG_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(build.shutil, "which", lambda name: None)  # stop right after the announcement
    monkeypatch.setattr(logging.getLogger("ns3_bridge"), "propagate", True)
    with caplog.at_level(logging.INFO, logger="ns3_bridge.build"), pytest.raises(DependencyNotInstalled, match="cmake"):
        build.ensure_built()
    assert any("building sixg's ns-3 module" in r.getMessage() for r in caplog.records)
