"""Capture harness for libsigil conformance: engine-independent servers that record what arrives.

See README.md. In-process use:

    from harness import Harness
    with Harness() as h:
        ...point the engine at h.urls...
        captures = h.wait("grpc_exports", 1)
"""

from .harness import Harness
from .script import TARGETS, ScriptError
from .store import KINDS

__all__ = ["Harness", "KINDS", "TARGETS", "ScriptError"]
