"""The API docs pages, Swagger UI at ``/docs`` and ReDoc at ``/redoc``, under a Content-Security-Policy.

FastAPI writes both pages with inline blocks (Swagger UI's set-up script, ReDoc's page style). Each
page is served with a policy that allows exactly the inline blocks of the HTML it serves, by their
SHA-256 hashes, and no other inline script. The assets come from the ``fastapi-offline`` package's
folder (mounted by ``FastAPIOffline`` at ``static_url``), so the pages work without internet.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from citeqa.api.headers import content_security_policy

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.DOTALL)  # blocks without attributes: inline code
# ReDoc styles its components at run time (styled-components inserts <style> elements) and searches
# in a worker it starts from a blob: URL; neither can be allowed by hash.
REDOC_POLICY = {"style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"}


def inline_hashes(html: str) -> dict[str, list[str]]:
    """CSP hash sources (``'sha256-…'``) of the inline ``<script>`` and ``<style>`` blocks of ``html``, by tag."""
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for tag, body in INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes[tag].append(f"'sha256-{digest}'")
    return hashes


def with_policy(page: HTMLResponse, overrides: Mapping[str, str] | None = None) -> HTMLResponse:
    """``page`` with a Content-Security-Policy allowing its own inline blocks by hash, then ``overrides``."""
    hashes = inline_hashes(bytes(page.body).decode("utf-8"))
    allowed = {f"{tag}-src": " ".join(["'self'", *sources]) for tag, sources in hashes.items() if sources}
    page.headers["Content-Security-Policy"] = content_security_policy({**allowed, **(overrides or {})})
    return page


def install(app: FastAPI, static_url: str) -> None:
    """Add ``/docs`` and ``/redoc`` to ``app``, loading their assets from ``static_url``."""
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get(DOCS_URL, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{static_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{static_url}/swagger-ui.css",
            swagger_favicon_url=f"{root}{static_url}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        return with_policy(page)

    @app.get(REDOC_URL, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{static_url}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{static_url}/favicon.png",
            with_google_fonts=False,
        )
        return with_policy(page, REDOC_POLICY)
