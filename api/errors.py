"""Error responses: always JSON ``{"detail": …}``, never an echo of a large input, never a 500 for bad input.

Validation errors quote the offending value shortened to :data:`MAX_SHOWN` characters, with
non-finite numbers and unpaired surrogates written out so the error itself can be encoded.
Unsupported methods get 405 with an ``Allow`` header listing every method of the path, and
``OPTIONS`` answers 204 with the same header. ``HEAD`` is answered wherever ``GET`` is.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

MAX_SHOWN = 100
MAX_ITEMS = 5
MAX_ERRORS = 20
MAX_DETAIL = 2000
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def shown(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, bounded copy of an input value for an error message."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value if value.bit_length() < 64 else f"an integer too large to show ({value.bit_length():,} bits)"
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        safe = value.encode("utf-8", "backslashreplace").decode("utf-8")
        if len(safe) > MAX_SHOWN:
            return f"{safe[:MAX_SHOWN]}… ({len(value):,} characters)"
        return safe
    if isinstance(value, dict):
        if depth >= 2:
            return f"(an object of {len(value)} keys)"
        items = list(value.items())[:MAX_ITEMS]
        out = {str(shown(k, depth + 1)): shown(v, depth + 1) for k, v in items}
        if len(value) > MAX_ITEMS:
            out["…"] = f"{len(value) - MAX_ITEMS} more keys"
        return out
    if isinstance(value, list | tuple):
        if depth >= 2:
            return f"(a list of {len(value)} items)"
        out_list = [shown(v, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            out_list.append(f"… {len(value) - MAX_ITEMS} more items")
        return out_list
    return shown(str(value), depth)


def _error(error: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": error.get("type"),
        "loc": [shown(part) for part in error.get("loc", ())],
        "msg": str(error.get("msg", ""))[:MAX_DETAIL],
    }
    if "input" in error:
        out["input"] = shown(error["input"])
    if error.get("ctx"):
        out["ctx"] = {str(k): shown(v) for k, v in error["ctx"].items()}
    return out


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """400 for a body that is not JSON, 422 for invalid fields (each named, values shortened)."""
    errors = list(exc.errors())
    bad_json = [e for e in errors if e.get("type") == "json_invalid"]
    if bad_json:
        reason = (bad_json[0].get("ctx") or {}).get("error", "")
        where = bad_json[0].get("loc", ("body", None))[-1]
        return JSONResponse(status_code=400, content={"detail": f"malformed JSON body: {reason} at character {where}"})
    detail = [_error(e) for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        detail.append({"type": "more", "loc": [], "msg": f"{len(errors) - MAX_ERRORS} more errors"})
    return JSONResponse(status_code=422, content={"detail": detail})


def allowed_methods(app: ASGIApp, scope: Scope) -> set[str]:
    """Every method some route of ``app`` accepts at ``scope``'s path (empty when none matches)."""
    methods: set[str] = set()
    for route in getattr(app, "routes", []):
        if isinstance(route, Mount):  # static files: read-only
            if route.matches({**scope, "type": "http", "method": "GET"})[0] is Match.FULL:
                methods.add("GET")
            continue
        methods |= {m for m in METHODS if route.matches({**scope, "type": "http", "method": m})[0] is Match.FULL}
    if "GET" in methods:
        methods.add("HEAD")  # HeadMiddleware
    return methods | {"OPTIONS"} if methods else methods


def _allow_header(methods: set[str]) -> str:
    return ", ".join(sorted(methods))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """HTTP errors as JSON; 405 names every method the path accepts."""
    headers = dict(exc.headers or {})
    detail: Any = exc.detail
    if exc.status_code == 405:
        methods = allowed_methods(request.app, request.scope)
        headers["Allow"] = _allow_header(methods)
        detail = f"{request.method} is not allowed on {shown(request.url.path)}; use {_allow_header(methods - {'OPTIONS', 'HEAD'})}"
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if exc.status_code == 400 and detail == "There was an error parsing the body":
        detail = _unparsable(exc.__cause__)
    if isinstance(detail, str) and len(detail) > MAX_DETAIL:
        detail = f"{detail[:MAX_DETAIL]}…"
    return JSONResponse(status_code=exc.status_code, content={"detail": detail}, headers=headers)


def _unparsable(cause: BaseException | None) -> str:
    """Why FastAPI could not parse a body, in words."""
    if isinstance(cause, RecursionError):
        return "malformed JSON body: nested too deeply"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "malformed JSON body: a number has too many digits"
    if cause is not None:
        return f"malformed request body: {shown(str(cause))}"
    return "malformed request body"


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug, not bad input: logged with its traceback, answered as JSON 500 without internals."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(status_code=500, content={"detail": "internal error; the server log has the details"})


class OptionsMiddleware:
    """``OPTIONS`` on a known path answers 204 with ``Allow``; 404 on an unknown one.

    CORS preflights (with ``Access-Control-Request-Method``) pass through to the CORS middleware
    when it is configured.
    """

    def __init__(self, app: ASGIApp, router: ASGIApp) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        methods = allowed_methods(self.router, scope)
        if methods:
            response: Response = Response(status_code=204, headers={"Allow": _allow_header(methods)})
        else:
            response = JSONResponse(status_code=404, content={"detail": "Not Found"})
        await response(scope, receive, send)


class HeadMiddleware:
    """``HEAD`` answers wherever ``GET`` does: the request runs as a ``GET`` and only its status and
    headers (``Content-Length`` included) are sent, never its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error)
