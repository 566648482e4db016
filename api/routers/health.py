"""``GET /healthz`` (process up) and ``GET /readyz`` (index loaded)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from citeqa.api.deps import ManagerDep
from citeqa.api.schemas import HealthOut, ReadyOut

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness")
def healthz() -> dict:
    """Always ``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}}, summary="Readiness")
def readyz(manager: ManagerDep) -> JSONResponse | dict:
    """Whether the index is loaded, with its document and chunk counts and the model; 503 if not."""
    engine = manager.engine
    if engine is None:
        body = ReadyOut(ready=False, index_dir=str(manager.settings.index_dir), error=manager.error or "loading")
        return JSONResponse(status_code=503, content=body.model_dump())
    index = engine.index
    model = getattr(getattr(engine, "embedder", None), "name", None) or index.manifest.get("model")
    return {
        "ready": True,
        "documents": len(index.documents),
        "chunks": len(index.chunks),
        "model": model,
        "index_dir": str(manager.settings.index_dir),
    }
