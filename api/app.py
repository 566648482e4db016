"""The FastAPI application: ``create_app()`` wires settings, the engine and the routers.

Run it with ``citeqa serve`` (or ``uvicorn --factory citeqa.api.app:create_app``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

import citeqa
from citeqa.api import errors
from citeqa.api.limits import BodyLimit, BodyLimitMiddleware
from citeqa.api.manager import EngineManager
from citeqa.api.routers import documents, health, jobs, passages, qa
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MULTIPART_SLACK = 64 * 1024  # part headers and boundaries around an upload's bytes

DESCRIPTION = """Extractive question answering over a corpus of lymphoma papers.

Every figure in an answer is copied from a table cell or a sentence of a document, quoted
verbatim with its character offsets, and tied to the reference-list entry of the primary study.

Uploads and deletions are jobs (`202` with a job to poll at `/v1/jobs/{id}`). They need the
`X-API-Key` header when `CITEQA_API_KEY` is set; without a key they are accepted only from this
service's own page and from clients that are not browsers. Request bodies are limited
(`CITEQA_MAX_BODY_BYTES`, uploads `CITEQA_MAX_UPLOAD_BYTES`): larger ones get `413`.
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
        await run_in_threadpool(manager.stop)

    app = FastAPIOffline(
        title="citeqa",
        version=citeqa.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/static/docs",
    )
    app.state.settings = settings
    app.state.manager = manager
    errors.install(app)

    app.include_router(health.router)
    app.include_router(qa.router)
    app.include_router(passages.router)
    app.include_router(documents.router)
    app.include_router(jobs.router)

    @app.get("/", include_in_schema=False)
    def index_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.openapi = _documented(app, settings)  # type: ignore[method-assign]

    # Outermost last: body limits first, then CORS (when configured), then OPTIONS.
    app.add_middleware(errors.OptionsMiddleware, router=app.router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key"],
            expose_headers=["Location"],
        )
    app.add_middleware(
        BodyLimitMiddleware,
        default=settings.max_body_bytes,
        default_setting="CITEQA_MAX_BODY_BYTES",
        special=(
            BodyLimit("POST", "/v1/documents", settings.max_upload_bytes + MULTIPART_SLACK, "CITEQA_MAX_UPLOAD_BYTES"),
        ),
    )
    return app


def _documented(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` that tells the truth about auth: the API key scheme only when a key is set."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        if not settings.api_key:
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    operation.pop("security", None)
            schema.get("components", {}).pop("securitySchemes", None)
        return schema

    return openapi
