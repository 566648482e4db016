"""How ``citeqa serve`` runs uvicorn: connection timeouts and the start-up checks of where it binds."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from citeqa.api.hosts import AllowedHosts, is_loopback
from citeqa.settings import Settings

# An idle keep-alive connection is closed after this many seconds (uvicorn's default): browsers
# reopen one in a few milliseconds, and idle connections then cannot pile up.
TIMEOUT_KEEP_ALIVE = 5
# On SIGTERM, requests in flight get this long to finish before their connections are closed: the
# longest question takes a few seconds, and 20 s leaves the process ending well within the 30 s a
# service manager (systemd, Docker, Kubernetes) waits before it sends SIGKILL.
TIMEOUT_GRACEFUL_SHUTDOWN = 20


class IdleClosingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that also closes a connection sending nothing for TIMEOUT_KEEP_ALIVE seconds.

    uvicorn starts its keep-alive timer only after a response, so a client that connects and never
    sends a byte would hold its connection (and a file descriptor) open until it went away. The
    timer here starts at connect; the first bytes received cancel it, as they cancel uvicorn's own.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)


def uvicorn_options() -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` that bound connection and shutdown times."""
    return {
        "http": IdleClosingH11Protocol,
        "timeout_keep_alive": TIMEOUT_KEEP_ALIVE,
        "timeout_graceful_shutdown": TIMEOUT_GRACEFUL_SHUTDOWN,
    }


def binding_problem(settings: Settings) -> str | None:
    """Why the service must not start with ``settings``, or None.

    Bound beyond loopback, it answers only for the names in CITEQA_ALLOWED_HOSTS (and its address),
    so they must be named; and they must be valid names.
    """
    try:
        AllowedHosts.from_settings(settings)
    except ValueError as exc:
        return str(exc)
    if not is_loopback(settings.host) and not settings.allowed_hosts:
        return (
            f"refusing to serve on {settings.host} without CITEQA_ALLOWED_HOSTS: name the host names clients will "
            "use to reach this service (comma-separated, e.g. CITEQA_ALLOWED_HOSTS=qa.example.org), so that "
            "requests for other names (DNS rebinding) are refused"
        )
    return None
