"""Backends: the networks the co-simulation advances (live ns-3, the learned surrogate, both).

Backends are looked up by id and imported lazily, so importing sixg never loads
ns-3 or torch::

    backend = make_backend("ns3")        # or "surrogate", "dual"
"""

from sixg.backends.base import Backend, StepOutput, backend_ids, make_backend, register_backend

__all__ = ["Backend", "StepOutput", "backend_ids", "make_backend", "register_backend"]
