"""The Python side of sixg's link to ns-3.

ns-3 is only ever loaded inside worker processes; importing this package loads
nothing heavy. Where each part lives:

* ``worker.py``: :class:`Ns3Worker` and :class:`WorkerPool`, the parent's handles on
  worker processes, driven in lock-step;
* ``worker_process.py``: the program each worker process runs;
* ``network.py``: :class:`Ns3Network`, one scenario built in ns-3 inside a worker;
* ``build.py`` and ``runtime.py``: building sixg's C++ module and loading ns-3.
"""

from ns3_bridge.worker import Ns3Worker, WorkerPool

__all__ = ["Ns3Worker", "WorkerPool"]
