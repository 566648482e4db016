"""FastAPI dependencies: settings, the engine manager, the request's engine and the API key check."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request

from citeqa.api.manager import EngineManager, NotReady
from citeqa.settings import Settings

logger = logging.getLogger(__name__)


def get_manager(request: Request) -> EngineManager:
    """The app's :class:`EngineManager` (set by ``create_app``)."""
    return request.app.state.manager


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def get_engine(manager: Annotated[EngineManager, Depends(get_manager)]) -> Any:
    """The engine for this request, taken once: a concurrent swap does not affect it.

    Raises:
        HTTPException: 503 when no index is loaded.
    """
    try:
        return manager.current()
    except NotReady as exc:
        raise HTTPException(status_code=503, detail=f"index not ready: {exc}") from exc


def require_api_key(
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header(description="Required when CITEQA_API_KEY is set.")] = None,
) -> None:
    """Refuse (403) a write request without the configured ``X-API-Key``; no-op when no key is set."""
    expected = settings.api_key
    if not expected:
        return
    if x_api_key is None or not secrets.compare_digest(x_api_key.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(status_code=403, detail="missing or wrong X-API-Key header")


ManagerDep = Annotated[EngineManager, Depends(get_manager)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Any, Depends(get_engine)]
ApiKeyDep = Annotated[None, Depends(require_api_key)]
