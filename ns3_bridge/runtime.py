"""Load ns-3 and sixg's module into the current process (worker processes only).

Only the modules the scenarios use are included, which takes about a third of the
time and memory of ``from ns import ns`` (which loads every module).
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

from ns3_bridge.build import ensure_built, wheel_prefix

NS3_MODULES = ("core", "network", "internet", "point-to-point", "mobility", "applications", "spectrum", "lte", "flow-monitor")
_LOADED: SimpleNamespace | None = None


def load() -> SimpleNamespace:
    """Load ns-3 once per process; return ``SimpleNamespace(ns=<ns3 namespace>, cppyy=..., nr_available=...)``."""
    global _LOADED
    if _LOADED is not None:
        return _LOADED
    build = ensure_built()
    prefix = wheel_prefix()
    # cling prints harmless noise on stderr while materialising symbols; keep it out of logs.
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import cppyy
        import libcppyy

        libcppyy.AddSmartPtrType("Ptr")
        cppyy.add_library_path(str(prefix / "lib64"))
        cppyy.add_include_path(str(prefix / "include"))
        for module in NS3_MODULES:
            cppyy.include(f"ns3/{module}-module.h")
        cppyy.load_library(str(prefix / "lib64" / "libns3.44-lte.so"))
        cppyy.load_library(str(prefix / "lib64" / "libns3.44-flow-monitor.so"))
        cppyy.add_include_path(str(build.include_dir))
        cppyy.include(build.umbrella_header)
        cppyy.load_library(str(build.library))
        ns = cppyy.gbl.ns3
        nr_available = _type_exists(cppyy, "ns3::NrHelper")
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    _LOADED = SimpleNamespace(ns=ns, cppyy=cppyy, nr_available=nr_available)
    return _LOADED


def _type_exists(cppyy, name: str) -> bool:
    """Whether an ns-3 TypeId is registered (an NR module would register ns3::NrHelper)."""
    tid = cppyy.gbl.ns3.TypeId()
    return bool(cppyy.gbl.ns3.TypeId.LookupByNameFailSafe(name, tid))
