"""``/v1/documents``: list, show, upload and delete corpus documents."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from citeqa.api import views
from citeqa.api.deps import ApiKeyDep, EngineDep, ManagerDep, SettingsDep
from citeqa.api.manager import ChangeError, ChangeResult, NotReady, safe_filename
from citeqa.api.schemas import DocumentDetailOut, DocumentList, ErrorOut, IndexChangeOut

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/documents", tags=["documents"])

WRITE_ERRORS = {
    403: {"model": ErrorOut, "description": "Missing or wrong X-API-Key"},
    409: {"model": ErrorOut, "description": "Conflicts with the corpus"},
    422: {"model": ErrorOut, "description": "Unreadable file or invalid request"},
    503: {"model": ErrorOut, "description": "Index not loaded"},
}


def _change_out(result: ChangeResult) -> dict:
    return {
        "action": result.action,
        "doc_id": result.doc_id,
        "filename": result.filename,
        "documents": result.documents,
        "chunks": result.chunks,
        "embedded": result.embedded,
        "reused": result.reused,
        "errors": [{"path": p, "message": m} for p, m in result.errors],
    }


@router.get("", response_model=DocumentList, summary="List the indexed documents")
def list_documents(engine: EngineDep) -> dict:
    """Every indexed document: title, type, pages, chunk count, hash and when it was added."""
    docs = views.list_documents(engine.index)
    return {"count": len(docs), "documents": docs}


@router.get(
    "/{doc_id}",
    response_model=DocumentDetailOut,
    responses={404: {"model": ErrorOut, "description": "Unknown id"}},
    summary="One document",
)
def get_document(doc_id: str, engine: EngineDep) -> dict:
    """One document's metadata, section titles, tables and reference count."""
    detail = views.document_detail(engine.index, doc_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no document {doc_id!r}")
    return detail


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    """Read at most ``limit`` bytes; 413 beyond that."""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise HTTPException(status_code=413, detail=f"{file.filename} is {size} bytes; the limit is {limit}")
    parts: list[bytes] = []
    total = 0
    while True:
        block = await file.read(1 << 20)
        if not block:
            break
        total += len(block)
        if total > limit:
            raise HTTPException(status_code=413, detail=f"{file.filename} is over the {limit}-byte upload limit")
        parts.append(block)
    return b"".join(parts)


@router.post(
    "",
    response_model=IndexChangeOut,
    status_code=201,
    responses={
        **WRITE_ERRORS,
        413: {"model": ErrorOut, "description": "Upload too large"},
        415: {"model": ErrorOut, "description": "Not a PDF, TXT or MD file"},
    },
    summary="Upload a document (PDF, TXT or MD) and re-index",
)
async def upload_document(file: UploadFile, _key: ApiKeyDep, manager: ManagerDep, settings: SettingsDep) -> dict:
    """Save the file into the corpus folder and rebuild the index incrementally (only new chunks
    are embedded); the new index is swapped in without a restart. An unreadable file is refused
    with 422 and leaves the corpus and the index unchanged."""
    try:
        safe_filename(file.filename)  # 415 before reading the body
    except ChangeError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    data = await _read_limited(file, settings.max_upload_bytes)
    try:
        result = await run_in_threadpool(manager.add_document, file.filename, data)
    except ChangeError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    except NotReady as exc:
        raise HTTPException(status_code=503, detail=f"index not ready: {exc}") from exc
    return _change_out(result)


@router.delete(
    "/{doc_id}",
    response_model=IndexChangeOut,
    responses={**WRITE_ERRORS, 404: {"model": ErrorOut, "description": "Unknown id"}},
    summary="Delete a document and re-index",
)
def delete_document(doc_id: str, _key: ApiKeyDep, manager: ManagerDep) -> dict:
    """Remove the document's file from the corpus folder, rebuild the index and swap it in."""
    try:
        result = manager.delete_document(doc_id)
    except ChangeError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    except NotReady as exc:
        raise HTTPException(status_code=503, detail=f"index not ready: {exc}") from exc
    return _change_out(result)
