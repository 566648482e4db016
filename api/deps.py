"""FastAPI dependencies: settings, the engine manager and the request's engine."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

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


ManagerDep = Annotated[EngineManager, Depends(get_manager)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Any, Depends(get_engine)]
