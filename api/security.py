"""Who may read and who may change the corpus.

Reads (questions, search, documents, passages, references, jobs) are open unless
``CITEQA_READ_KEY`` is set; then they need that key, or the API key, in the ``X-API-Key`` header
(401 otherwise). The jobs list names every uploaded file, so with only ``CITEQA_API_KEY`` set it
needs the API key; one job, by its unguessable id, stays readable. ``/healthz`` and ``/readyz``
stay open.

Writes (uploads, deletions) need the API key when one is set (403 otherwise). Without one, a
service bound beyond loopback refuses them, and a loopback one accepts them only from same-origin
requests (and with the read key, when one is set): a web page on any other site could otherwise
upload documents through the user's browser (a ``no-cors`` multipart POST needs no preflight) and
change the answers. So, as Go's ``http.CrossOriginProtection`` does, a write is refused when the
browser says it comes from another origin (``Sec-Fetch-Site`` other than ``same-origin``/``none``,
or an ``Origin`` that is not this host), unless that origin is listed in ``CITEQA_CORS_ORIGINS``.
Clients that are not browsers (curl, scripts) send neither header and are accepted.
"""

from __future__ import annotations

import secrets
from enum import Enum
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from citeqa.api.deps import SettingsDep
from citeqa.api.hosts import is_loopback
from citeqa.settings import Settings

KEY_HEADER = "X-API-Key"


class Scheme(str, Enum):
    """The OpenAPI security schemes; both keys travel in the ``X-API-Key`` header."""

    api_key = "ApiKey"
    read_key = "ReadKey"


class WriteAccess(str, Enum):
    """Who may upload and delete (shown by ``/readyz`` as ``writes``)."""

    api_key = "api-key"  # CITEQA_API_KEY is set: whoever sends it
    read_key = "read-key"  # only CITEQA_READ_KEY is set, on loopback: same-origin requests sending it
    same_origin = "same-origin"  # no key, on loopback: this service's own page and non-browser clients
    refused = "refused"  # no API key, bound beyond loopback: nobody


API_KEY_HEADER = APIKeyHeader(
    name=KEY_HEADER,
    auto_error=False,
    scheme_name=Scheme.api_key.value,
    description="CITEQA_API_KEY: required for uploads and deletions (and for the jobs list when no read key is "
    "set); accepted wherever the read key is.",
)
READ_KEY_HEADER = APIKeyHeader(
    name=KEY_HEADER,
    auto_error=False,
    scheme_name=Scheme.read_key.value,
    description="CITEQA_READ_KEY: required for questions, search, documents, passages, references and jobs; "
    "the API key is accepted too.",
)

HOW_TO_ENABLE = (
    "With no CITEQA_API_KEY set, uploads and deletions are accepted only from citeqa's own page and from "
    "clients that are not browsers (curl, scripts). To allow another site, set CITEQA_API_KEY on the "
    "server and send the key in the X-API-Key header, or list the site in CITEQA_CORS_ORIGINS."
)
BEYOND_LOOPBACK = (
    "uploads and deletions are refused: this service is bound beyond loopback, and then writes need "
    "CITEQA_API_KEY set on the server and sent in the X-API-Key header"
)
READ_KEY_NEEDED = "send the read key (CITEQA_READ_KEY) or the API key (CITEQA_API_KEY) in the X-API-Key header"
UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "APIKey"}  # RFC 9110: a 401 names the scheme to use


def key_matches(sent: str | None, *keys: str | None) -> bool:
    """Whether the ``X-API-Key`` value ``sent`` equals one of the set ``keys`` (compared in constant time)."""
    if sent is None:
        return False
    given = sent.encode("utf-8")
    return any([secrets.compare_digest(given, key.encode("utf-8")) for key in keys if key])


def write_access(settings: Settings) -> WriteAccess:
    """Who may write under ``settings``."""
    if settings.api_key:
        return WriteAccess.api_key
    if not is_loopback(settings.host):
        return WriteAccess.refused
    return WriteAccess.read_key if settings.read_key else WriteAccess.same_origin


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


def _missing_or_wrong(sent: str | None) -> str:
    return "missing X-API-Key header" if sent is None else "wrong X-API-Key header"


def require_write_access(
    request: Request,
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Depends(API_KEY_HEADER)] = None,
) -> None:
    """Refuse (403) a write that :func:`write_access` does not allow: without the API key when one is
    set, beyond loopback without one, without the read key when only that is set, or from another origin."""
    access = write_access(settings)
    if access is WriteAccess.api_key:
        if not key_matches(x_api_key, settings.api_key):
            raise HTTPException(status_code=403, detail="missing or wrong X-API-Key header")
        return
    if access is WriteAccess.refused:
        raise HTTPException(status_code=403, detail=BEYOND_LOOPBACK)
    if access is WriteAccess.read_key and not key_matches(x_api_key, settings.read_key):
        raise HTTPException(
            status_code=403,
            detail=f"{_missing_or_wrong(x_api_key)}: writes need the read key (CITEQA_READ_KEY) in the X-API-Key "
            "header",
        )
    refusal = cross_origin_refusal(request, settings.cors_origins)
    if refusal is not None:
        raise HTTPException(status_code=403, detail=refusal)


def require_read_access(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Depends(READ_KEY_HEADER)] = None,
) -> None:
    """Refuse (401) a read without the read key or the API key when ``CITEQA_READ_KEY`` is set."""
    if settings.read_key and not key_matches(x_api_key, settings.read_key, settings.api_key):
        raise HTTPException(
            status_code=401, detail=f"{_missing_or_wrong(x_api_key)}: {READ_KEY_NEEDED}", headers=UNAUTHORIZED_HEADERS
        )


def require_job_list_access(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Depends(API_KEY_HEADER)] = None,
) -> None:
    """Refuse (401) the jobs list, which names uploaded files, without the API key when only that key is
    set (with a read key, :func:`require_read_access` decides)."""
    if settings.api_key and not settings.read_key and not key_matches(x_api_key, settings.api_key):
        raise HTTPException(
            status_code=401,
            detail=f"{_missing_or_wrong(x_api_key)}: the jobs list names uploaded files; send the API key "
            "(CITEQA_API_KEY) in the X-API-Key header",
            headers=UNAUTHORIZED_HEADERS,
        )


def documented_security(generated: list[dict[str, Any]], settings: Settings) -> list[dict[str, list[str]]]:
    """The security requirements an operation really has under ``settings`` (alternatives, as OpenAPI lists them).

    FastAPI derives ``generated`` from the operation's key dependencies whatever the settings: ReadKey
    for reads, ApiKey for writes, both for the jobs list. What they require depends on the keys set.
    """
    schemes = {name for requirement in generated for name in requirement}
    read = Scheme.read_key.value in schemes  # a read (the jobs list among them)
    checks_api_key = Scheme.api_key.value in schemes  # a write, or the jobs list
    if read and settings.read_key:
        keys = [Scheme.read_key, Scheme.api_key] if settings.api_key else [Scheme.read_key]
    elif checks_api_key and settings.api_key:
        keys = [Scheme.api_key]
    elif checks_api_key and not read and settings.read_key:
        keys = [Scheme.read_key]  # a write on loopback with only the read key set
    else:
        keys = []
    return [{key.value: []} for key in keys]


READ_ACCESS = Depends(require_read_access)
JOB_LIST_ACCESS = Depends(require_job_list_access)
WriteAccessDep = Annotated[None, Depends(require_write_access)]
