"""How ``citeqa serve`` runs uvicorn: connection timeouts and the start-up checks of where it binds."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
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
# A request's headers must arrive within this many seconds (a browser sends them at once; a client
# trickling them a byte at a time holds a connection open for nothing).
TIMEOUT_REQUEST_HEADERS = 10


class IdleClosingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that also closes a connection that sends nothing, or too slowly.

    uvicorn starts its keep-alive timer only after a response, so a client that connects and never
    sends a byte would hold its connection (and a file descriptor) open until it went away; and no
    timer bounds the headers, so one that sends them a byte at a time ("slowloris") would too.
    Here the keep-alive timer starts at connect (the first bytes cancel it, as they cancel
    uvicorn's own), and a request's headers must be complete within :attr:`request_headers_timeout`
    seconds of the connection or of the previous response.
    """

    request_headers_timeout: float = TIMEOUT_REQUEST_HEADERS
    _headers_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)
        self._arm_headers_deadline()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE and self._headers_deadline is not None:
            self._headers_deadline.cancel()  # the request's headers are in
            self._headers_deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_headers_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._headers_deadline is not None:
            self._headers_deadline.cancel()
        super().connection_lost(exc)

    def _arm_headers_deadline(self) -> None:
        if self._headers_deadline is not None:
            self._headers_deadline.cancel()
        self._headers_deadline = self.loop.call_later(self.request_headers_timeout, self._headers_late)

    def _headers_late(self) -> None:
        self._headers_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


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
