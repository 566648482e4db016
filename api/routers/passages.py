"""``GET /v1/passages/{passage_id}`` and ``GET /v1/references/{doc_id}/{number}``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from citeqa.api import views
from citeqa.api.deps import EngineDep
from citeqa.api.schemas import ErrorOut, PassageOut, ReferenceDetailOut
from citeqa.api.security import READ_ACCESS

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["passages"], dependencies=[READ_ACCESS])

NOT_FOUND = {404: {"model": ErrorOut, "description": "Unknown id"}, 503: {"model": ErrorOut, "description": "Index not loaded"}}


@router.get("/passages/{passage_id}", response_model=PassageOut, responses=NOT_FOUND, summary="A passage in context")
def get_passage(
    passage_id: str,
    engine: EngineDep,
    window: Annotated[int, Query(ge=0, le=5000, description="Characters of document text on each side.")] = 300,
) -> dict:
    """The passage, its document offsets, ±``window`` characters of surrounding document text
    and the previous/next passages of the same kind."""
    detail = views.passage_detail(engine.index, passage_id, window)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no passage {passage_id!r}")
    return detail


@router.get(
    "/references/{doc_id}/{number}",
    response_model=ReferenceDetailOut,
    responses=NOT_FOUND,
    summary="A reference entry and the passages citing it",
)
def get_reference(
    doc_id: str,
    number: Annotated[int, Path(ge=0, le=100000, description="The reference number in the document's list.")],
    engine: EngineDep,
) -> dict:
    """The parsed entry ``number`` of document ``doc_id``'s reference list and the passages citing it."""
    index = engine.index
    if doc_id not in index.documents:
        raise HTTPException(status_code=404, detail=f"no document {doc_id!r}")
    detail = views.reference_detail(index, doc_id, number)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"document {doc_id!r} has no reference {number}")
    return detail
