"""The Python side of sixg's link to ns-3.

ns-3 is only ever loaded inside worker processes (``ns3_bridge.worker``); importing
this package loads nothing heavy. The parent drives a worker in lock-step through
:class:`ns3_bridge.client.Ns3Worker`.
"""

from ns3_bridge.client import Ns3Worker, WorkerPool

__all__ = ["Ns3Worker", "WorkerPool"]
