"""The FastAPI application: ``create_app()`` wires settings, the engine and the routers.

Run it with ``citeqa serve`` (or ``uvicorn --factory citeqa.api.app:create_app``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

import citeqa
from citeqa.api.manager import EngineManager
from citeqa.api.routers import documents, health, passages, qa
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """Extractive question answering over a corpus of lymphoma papers.

Every figure in an answer is copied from a table cell or a sentence of a document, quoted
verbatim with its character offsets, and tied to the reference-list entry of the primary study.
Uploads and deletions need the `X-API-Key` header when `CITEQA_API_KEY` is set.
"""


def create_app(
    settings: Settings | None = None,
    engine: Any | None = None,
    *,
    manager: EngineManager | None = None,
) -> FastAPI:
    """Build the HTTP application.

    Args:
        settings: Settings (default: read from ``CITEQA_*`` variables).
        engine: An already loaded engine; when None the engine is loaded from
            ``settings.index_dir`` once, at start-up (lifespan).
        manager: A ready-made :class:`EngineManager` (tests); overrides ``engine``.

    Returns:
        The FastAPI app. Requests never reload the model or the index.
    """
    settings = settings or Settings()
    manager = manager or EngineManager(settings, engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(manager.start)
        yield

    app = FastAPI(
        title="citeqa",
        version=citeqa.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.manager = manager

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        bad_json = any(e.get("type") == "json_invalid" for e in errors)
        detail: Any = errors
        if bad_json:
            detail = "malformed JSON body"
        return JSONResponse(status_code=400 if bad_json else 422, content={"detail": _jsonable(detail)})

    @app.middleware("http")
    async def _early_size_limit(request: Request, call_next: Any) -> Any:
        """Refuse an oversized upload from its Content-Length before the body is read."""
        if request.method == "POST" and request.url.path.rstrip("/") == "/v1/documents":
            length = request.headers.get("content-length", "")
            slack = 64 * 1024  # multipart boundaries and part headers
            if length.isdigit() and int(length) > settings.max_upload_bytes + slack:
                return JSONResponse(
                    status_code=413,
                    content={"detail": f"upload of {length} bytes is over the {settings.max_upload_bytes}-byte limit"},
                )
        return await call_next(request)

    app.include_router(health.router)
    app.include_router(qa.router)
    app.include_router(passages.router)
    app.include_router(documents.router)

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def _jsonable(value: Any) -> Any:
    """Validation error lists may hold exceptions or bytes in ``ctx``/``input``; make them JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
