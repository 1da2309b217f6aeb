"""Build sixg's ns-3 module (``cpp/``) on first use, into a cache.

The cache key is the hash of the C++ sources and CMakeLists.txt plus the ns-3
version, so editing the C++ or upgrading ns-3 triggers one rebuild and nothing
else does. Concurrent workers wait on a file lock instead of building twice.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sixg.errors import DependencyNotInstalled, Ns3BuildError

NS3_VERSION = "3.44"
LIBRARY_NAME = "libsixg-ns3.so"

# A first build takes 10-15 s: say so (command lines show this logger's INFO lines on stderr).
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleBuild:
    """Where the built module and its headers are."""

    library: Path
    include_dir: Path
    umbrella_header: str = "sixg-module.h"


def source_root() -> Path:
    """The directory holding CMakeLists.txt and cpp/ (the project root)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / "CMakeLists.txt").is_file() or not (root / "cpp").is_dir():
        raise Ns3BuildError(
            f"sixg's C++ sources were not found next to {Path(__file__).parent} "
            "(expected CMakeLists.txt and cpp/). Install sixg from a source checkout "
            "with `pip install -e .` so the ns-3 module can be built."
        )
    return root


def wheel_prefix() -> Path:
    """The installed ns-3 wheel's prefix (site-packages/ns3)."""
    spec = importlib.util.find_spec("ns3")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyNotInstalled(
            "the ns-3 simulator is not installed; run `pip install ns3==3.44.post0` "
            "(the README's install command does it)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def source_hash(root: Path | None = None) -> str:
    root = root or source_root()
    h = hashlib.sha256()
    files = [root / "CMakeLists.txt", *sorted((root / "cpp").rglob("*.h")), *sorted((root / "cpp").rglob("*.cc"))]
    for f in files:
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    h.update(NS3_VERSION.encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("SIXG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "sixg"
    )
    return Path(base)


def ensure_built(*, verbose: bool = False) -> ModuleBuild:
    """Return the built module, building it first if the cache has no current build."""
    root = source_root()
    prefix = wheel_prefix()
    key = f"ns3-{NS3_VERSION}-{source_hash(root)}"
    out = cache_dir() / "ns3-module" / key
    library = out / LIBRARY_NAME
    result = ModuleBuild(library=library, include_dir=root / "cpp")
    if library.is_file():
        return result
    out.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out.parent / f"{key}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if library.is_file():  # another process built it while we waited
            return result
        logger.info("building sixg's ns-3 module into %s (once per change of cpp/, about 10-15 s) ...", out)
        t0 = time.perf_counter()
        cmake = shutil.which("cmake")
        if cmake is None:
            raise DependencyNotInstalled("cmake is needed to build sixg's ns-3 module; `pip install cmake` provides it")
        build = out.parent / f"{key}.build"
        shutil.rmtree(build, ignore_errors=True)
        steps = [
            [cmake, "-S", str(root), "-B", str(build), f"-DNS3_WHEEL_PREFIX={prefix}", f"-DPython3_EXECUTABLE={sys.executable}", "-DCMAKE_BUILD_TYPE=Release"],
            [cmake, "--build", str(build), "--parallel", str(max(1, min(4, os.cpu_count() or 1)))],
        ]
        for cmd in steps:
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
                raise Ns3BuildError(f"building sixg's ns-3 module failed at `{' '.join(cmd)}`:\n{tail}")
            if verbose:
                sys.stderr.write(proc.stdout)
        built = build / LIBRARY_NAME
        if not built.is_file():
            raise Ns3BuildError(f"the build finished but {built} is missing")
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / (LIBRARY_NAME + ".tmp")
        shutil.copy2(built, tmp)
        os.replace(tmp, library)  # atomic: a reader never sees half a library
        shutil.rmtree(build, ignore_errors=True)
        logger.info("built sixg's ns-3 module in %.0f s", time.perf_counter() - t0)
    return result
