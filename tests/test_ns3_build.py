"""The ns-3 module build cache: keyed by the sources, built once behind a lock, rebuilt when the C++ changes.

CMake is replaced by a stand-in that records its commands and writes the library, so these
tests check the cache's logic in milliseconds; the real build is exercised by every ns-3 test.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from ns3_bridge import build
from sixg.errors import DependencyNotInstalled, Ns3BuildError

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """A copy of CMakeLists.txt and cpp/ as the source root, and an empty cache directory."""
    root = tmp_path / "src"
    root.mkdir()
    shutil.copy2(PROJECT / "CMakeLists.txt", root / "CMakeLists.txt")
    shutil.copytree(PROJECT / "cpp", root / "cpp")
    monkeypatch.setattr(build, "source_root", lambda: root)
    monkeypatch.setattr(build, "wheel_prefix", lambda: tmp_path / "ns3-prefix")
    monkeypatch.setenv("SIXG_CACHE_DIR", str(tmp_path / "cache"))
    return root


@pytest.fixture
def cmake(monkeypatch):
    """A stand-in for cmake: records each command; ``--build`` writes the library into the build tree."""
    commands: list[list[str]] = []
    outcome = {"returncode": 0}

    def run(cmd, capture_output, text):
        commands.append(cmd)
        if cmd[1] == "--build" and outcome["returncode"] == 0:
            Path(cmd[2], build.LIBRARY_NAME).write_bytes(b"\x7fELF built")
        elif cmd[1] == "-S":
            Path(cmd[cmd.index("-B") + 1]).mkdir(parents=True, exist_ok=True)
        return subprocess.CompletedProcess(cmd, outcome["returncode"], stdout="configured\n", stderr="error: boom\n")

    monkeypatch.setattr(build.shutil, "which", lambda name: "/usr/bin/cmake")
    monkeypatch.setattr(build.subprocess, "run", run)
    return commands, outcome


def _builds(commands) -> int:
    return sum(1 for c in commands if c[1] == "--build")


def test_the_key_follows_the_cpp_sources_and_cmake_only(sources):
    """Editing a .cc, a .h or CMakeLists.txt changes the key; a file CMake does not read does not."""
    first = build.source_hash(sources)
    (sources / "cpp" / "NOTES.txt").write_text("not a source")
    assert build.source_hash(sources) == first
    for edited in (next((sources / "cpp").rglob("*.cc")), next((sources / "cpp").rglob("*.h")), sources / "CMakeLists.txt"):
        before = build.source_hash(sources)
        edited.write_text(edited.read_text() + "\n// edited\n")
        assert build.source_hash(sources) != before, edited.name


def test_a_cached_build_is_reused_without_running_cmake(sources, cmake):
    """The first call builds into the cache (and tidies the build tree); the next finds it and builds nothing."""
    commands, _ = cmake
    made = build.ensure_built()
    assert made.library.read_bytes() == b"\x7fELF built" and _builds(commands) == 1
    assert made.library.parent.name == f"ns3-{build.NS3_VERSION}-{build.source_hash(sources)}"
    assert not list(made.library.parent.parent.glob("*.build")) and not list(made.library.parent.glob("*.tmp"))
    again = build.ensure_built()
    assert again == made and _builds(commands) == 1


def test_changed_sources_are_rebuilt_beside_the_old_build(sources, cmake):
    """After a C++ edit the next call builds once more, under a new key; the old build stays where it was."""
    commands, _ = cmake
    old = build.ensure_built()
    header = next((sources / "cpp").rglob("*.h"))
    header.write_text(header.read_text() + "\n// edited\n")
    new = build.ensure_built()
    assert new.library != old.library and new.library.is_file() and old.library.is_file()
    assert _builds(commands) == 2


def test_a_second_process_waits_on_the_lock_and_uses_the_first_ones_build(sources, cmake):
    """While another process holds the build lock, ensure_built waits, then takes that build instead of building."""
    commands, _ = cmake
    key = f"ns3-{build.NS3_VERSION}-{build.source_hash(sources)}"
    modules = build.cache_dir() / "ns3-module"
    modules.mkdir(parents=True)
    done: list = []
    with open(modules / f"{key}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a separate open file: the waiting call blocks on it
        waiter = threading.Thread(target=lambda: done.append(build.ensure_built()))
        waiter.start()
        time.sleep(0.3)
        assert not done, "ensure_built did not wait for the lock"
        (modules / key).mkdir()
        (modules / key / build.LIBRARY_NAME).write_bytes(b"built by the other process")
    waiter.join(timeout=10)
    assert done and done[0].library.read_bytes() == b"built by the other process"
    assert commands == []


def test_a_failed_build_says_which_step_and_leaves_no_library(sources, cmake):
    """A failing cmake step raises Ns3BuildError with the command and the output's tail; nothing is cached."""
    commands, outcome = cmake
    outcome["returncode"] = 1
    with pytest.raises(Ns3BuildError, match=r"failed at `/usr/bin/cmake -S (.|\n)*error: boom"):
        build.ensure_built()
    assert not list((build.cache_dir() / "ns3-module").rglob(build.LIBRARY_NAME))


def test_missing_cmake_is_a_dependency_error(sources, monkeypatch):
    """Without cmake on the PATH the error says how to install it."""
    monkeypatch.setattr(build.shutil, "which", lambda name: None)
    with pytest.raises(DependencyNotInstalled, match="pip install cmake"):
        build.ensure_built()
