"""Request body limits, enforced while the body streams (with or without Content-Length).

A request announcing more than its route's limit in ``Content-Length`` is refused before a
byte of its body is read; a chunked (or lying) one is refused as soon as the bytes received
pass the limit. Either way the client gets a JSON 413 and the connection is closed, so the
rest of the body is never read into memory or spooled to disk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """Raised from ``receive`` once the body passes the limit (the app's reply is then replaced)."""


@dataclass(frozen=True)
class BodyLimit:
    """A limit in bytes for requests of ``method`` to ``path``, and the setting that sets it."""

    method: str
    path: str
    limit: int
    setting: str


class BodyLimitMiddleware:
    """Refuse request bodies over a limit with 413: ``default`` for every route, ``special`` overrides.

    Args:
        app: The ASGI app.
        default: The limit of every route without a special one.
        default_setting: The environment variable that sets ``default`` (named in the error).
        special: Per-route limits (e.g. uploads).
    """

    def __init__(self, app: ASGIApp, *, default: int, default_setting: str, special: tuple[BodyLimit, ...] = ()) -> None:
        self.app = app
        self.default = BodyLimit("*", "*", default, default_setting)
        self.special = special

    def _limit(self, scope: Scope) -> BodyLimit:
        path = scope["path"].rstrip("/") or "/"
        for rule in self.special:
            if rule.method == scope["method"] and rule.path == path:
                return rule
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rule = self._limit(scope)
        length = _content_length(scope)
        if length is not None and length > rule.limit:
            await _refuse(send, scope, rule, f"{length:,} bytes")
            return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > rule.limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the interrupted body, the client gets the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await _refuse(send, scope, rule, "more than that")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, scope: Scope, rule: BodyLimit, size: str) -> None:
    detail = (
        f"request body too large: {scope['method']} {scope['path']} accepts at most {rule.limit:,} bytes "
        f"and this request sent {size} (the limit is set by {rule.setting})"
    )
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
