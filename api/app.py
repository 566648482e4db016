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
from citeqa.api import docs, errors
from citeqa.api.headers import SecurityHeadersMiddleware
from citeqa.api.hosts import AllowedHosts, HostCheckMiddleware
from citeqa.api.limits import BodyLimit, BodyLimitMiddleware
from citeqa.api.manager import EngineManager
from citeqa.api.routers import documents, health, jobs, passages, qa
from citeqa.api.security import Scheme, documented_security
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCS_STATIC_URL = "/static/docs"  # the API docs' assets, from the fastapi-offline package
MULTIPART_SLACK = 64 * 1024  # part headers and boundaries around an upload's bytes
UNAUTHORIZED = {
    "description": "Missing or wrong X-API-Key",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}

DESCRIPTION = """Extractive question answering over a corpus of lymphoma papers.

Every figure in an answer is copied from a table cell or a sentence of a document, quoted
verbatim with its character offsets, and tied to the reference-list entry of the primary study.

The service answers only requests for its own names: the loopback names and addresses, the names in
`CITEQA_ALLOWED_HOSTS` and the address it is bound to. Any other `Host` gets `421` (DNS rebinding).

Reads (questions, search, documents, passages, references, jobs) are open unless `CITEQA_READ_KEY`
is set: then they need that key or `CITEQA_API_KEY` in the `X-API-Key` header (`401` otherwise).
The jobs list, which names uploaded files, needs the API key when only that key is set.
`/healthz`, `/readyz`, the web page and these docs stay open.

Uploads and deletions are jobs (`202` with a job to poll at `/v1/jobs/{id}`). They need the
`X-API-Key` header when `CITEQA_API_KEY` is set; without a key they are refused when the service is
bound beyond loopback, and otherwise accepted only from this service's own page and from clients
that are not browsers (with the read key, when one is set). Request bodies are limited
(`CITEQA_MAX_BODY_BYTES`, uploads `CITEQA_MAX_UPLOAD_BYTES`): larger ones get `413`. `HEAD` is
answered wherever `GET` is.
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
        static_url=DOCS_STATIC_URL,
        docs_url=None,  # docs.install serves them under a Content-Security-Policy
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.manager = manager
    errors.install(app)
    docs.install(app, DOCS_STATIC_URL)

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

    # Added innermost first: OPTIONS, CORS (when configured), body limits, HEAD, security headers, and
    # outermost the Host check, which refuses a request for another name before anything else runs.
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
    app.add_middleware(errors.HeadMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HostCheckMiddleware, allowed=AllowedHosts.from_settings(settings))
    return app


def _documented(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """``app.openapi`` that tells the truth about auth: each operation lists the keys it needs under
    ``settings`` (none when no key is set), with its 401, and only the schemes in use are declared."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        used: set[str] = set()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                generated = operation.pop("security", [])
                security = documented_security(generated, settings)
                if not security:
                    continue
                operation["security"] = security
                used |= {name for requirement in security for name in requirement}
                if any(Scheme.read_key.value in requirement for requirement in generated):  # reads answer 401
                    operation["responses"].setdefault("401", UNAUTHORIZED)
        components = schema.get("components", {})
        schemes = {name: scheme for name, scheme in components.pop("securitySchemes", {}).items() if name in used}
        if schemes:
            components["securitySchemes"] = schemes
        return schema

    return openapi
