"""``POST /v1/ask`` and ``GET /v1/search``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query

from citeqa.api import views
from citeqa.api.deps import EngineDep, SettingsDep
from citeqa.api.schemas import MAX_K, MAX_QUESTION_CHARS, AnswerOut, AskRequest, ErrorOut, Mode, SearchResponse
from citeqa.api.security import READ_ACCESS

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["questions"], dependencies=[READ_ACCESS])

ERRORS = {422: {"model": ErrorOut, "description": "Invalid input"}, 503: {"model": ErrorOut, "description": "Index not loaded"}}
BODY_ERRORS = {
    400: {"model": ErrorOut, "description": "Malformed JSON body"},
    413: {"model": ErrorOut, "description": "Request body over CITEQA_MAX_BODY_BYTES"},
    **ERRORS,
}


@router.post("/ask", response_model=AnswerOut, responses=BODY_ERRORS, summary="Answer a question with verbatim citations")
def ask(body: AskRequest, engine: EngineDep, settings: SettingsDep) -> dict:
    """Answer ``question`` extractively: the value, the verbatim quote(s), the cited references,
    or an abstention (``abstained`` with ``reason``) and a ``conflict`` flag when sources disagree.
    With ``options`` (multiple choice), ``choice`` is the option a cited quote states, or null."""
    k = body.k or settings.top_k
    answer = engine.ask(body.question, k=k, options=body.options) if body.options else engine.ask(body.question, k=k)
    return views.answer_dict(answer)


@router.get("/search", response_model=SearchResponse, responses=ERRORS, summary="Rank passages for a query")
def search(
    engine: EngineDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\S", description="The query.")],
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many passages (1–50).")] = 10,
    mode: Annotated[Mode, Query(description="hybrid, dense or bm25.")] = Mode.hybrid,
) -> dict:
    """Ranked passages with their scores, section, page and cited references (number and text)."""
    query = q.strip()
    passages = engine.search(query, k=k, mode=mode.value)
    index = engine.index
    return {
        "query": query,
        "mode": mode.value,
        "k": k,
        "results": [views.search_hit(index, p) for p in passages],
    }
