"""Fault injection for crash tests: ``CITEQA_CRASH_AT=<point>`` kills the process at that point.

Crash-recovery tests run ``citeqa`` code in a subprocess with the variable set and check that
a restart recovers. Unset (always, outside those tests), :func:`crash_point` does nothing.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "CITEQA_CRASH_AT"


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL (as ``kill -9`` would) when ``CITEQA_CRASH_AT`` is ``name``."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
