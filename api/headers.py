"""Security headers on every response: a Content-Security-Policy without inline script, no MIME
sniffing, no framing, no referrer, and a browsing context of its own.

The policy lets the page load scripts, styles, images, and make requests, only from this service;
an injected ``<script>``, ``<style>``, event-handler attribute or ``style="…"`` attribute does
nothing. A response that sets one of these headers itself keeps its own (the API docs pages allow
their one inline script by its hash, see :mod:`citeqa.api.docs`).
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Everything from this service only; no plugins, no <base>, no framing, forms post back here.
DIRECTIVES: Mapping[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",  # Swagger UI draws its icons as data: URLs
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def content_security_policy(overrides: Mapping[str, str] | None = None) -> str:
    """The ``Content-Security-Policy`` value: :data:`DIRECTIVES` with ``overrides`` replacing or adding directives."""
    return "; ".join(f"{name} {value}" for name, value in {**DIRECTIVES, **(overrides or {})}.items())


SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers without frame-ancestors
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Add :data:`SECURITY_HEADERS` to every HTTP response (JSON, HTML, static files, errors) that
    does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
