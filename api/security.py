"""Who may change the corpus: the API key when one is set, otherwise same-origin requests only.

Without ``CITEQA_API_KEY`` a web page on any other site could otherwise upload documents
through the user's browser (a ``no-cors`` multipart POST needs no preflight) and change the
answers. So, as Go's ``http.CrossOriginProtection`` does, a write is refused when the browser
says it comes from another origin (``Sec-Fetch-Site`` other than ``same-origin``/``none``, or
an ``Origin`` that is not this host), unless that origin is listed in ``CITEQA_CORS_ORIGINS``.
Clients that are not browsers (curl, scripts) send neither header and are accepted.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from citeqa.api.deps import SettingsDep

API_KEY_HEADER = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="Required for uploads and deletions when the service has CITEQA_API_KEY set.",
)

HOW_TO_ENABLE = (
    "With no CITEQA_API_KEY set, uploads and deletions are accepted only from citeqa's own page and from "
    "clients that are not browsers (curl, scripts). To allow another site, set CITEQA_API_KEY on the "
    "server and send the key in the X-API-Key header, or list the site in CITEQA_CORS_ORIGINS."
)


def cross_origin_refusal(request: Request, trusted: list[str]) -> str | None:
    """Why a write from this browser context is refused, or None when it is same-origin or not a browser."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") in trusted:
        return None
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        if fetch_site in ("same-origin", "none"):
            return None
        return f"refused a {fetch_site} write from {origin or 'another origin'}. {HOW_TO_ENABLE}"
    if origin is None:
        return None
    host = request.headers.get("host", "")
    if urlsplit(origin).netloc.lower() == host.lower() and host:
        return None
    return f"refused a cross-origin write from {origin}. {HOW_TO_ENABLE}"


def require_write_access(
    request: Request,
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Depends(API_KEY_HEADER)] = None,
) -> None:
    """Refuse (403) a write without the configured ``X-API-Key``, or, with no key set, from another origin."""
    expected = settings.api_key
    if expected:
        if x_api_key is None or not secrets.compare_digest(x_api_key.encode("utf-8"), expected.encode("utf-8")):
            raise HTTPException(status_code=403, detail="missing or wrong X-API-Key header")
        return
    refusal = cross_origin_refusal(request, settings.cors_origins)
    if refusal is not None:
        raise HTTPException(status_code=403, detail=refusal)


WriteAccessDep = Annotated[None, Depends(require_write_access)]
