"""``/v1/documents``: list, show, upload and delete corpus documents (writes are jobs)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, HTTPException, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.convertors import StringConvertor, register_url_convertor

from citeqa.api import views
from citeqa.api.deps import EngineDep, ManagerDep, SettingsDep
from citeqa.api.jobs import Job, JobState
from citeqa.api.manager import ChangeError, NotReady
from citeqa.api.schemas import DocumentDetailOut, DocumentList, ErrorOut, JobErrorOut, JobOut
from citeqa.api.security import READ_ACCESS, WriteAccessDep
from citeqa.faults import crash_point

logger = logging.getLogger(__name__)


class CorpusPathConvertor(StringConvertor):
    """A document id or a corpus-relative file name (``sub/notes.txt``): any characters, slashes
    and newlines included (Starlette's ``path`` stops at a newline)."""

    regex = "(?s:.+)"


register_url_convertor("corpus_path", CorpusPathConvertor())

router = APIRouter(prefix="/v1/documents", tags=["documents"])

NOT_READY = {503: {"model": ErrorOut, "description": "Index not loaded"}}
WRITE_ERRORS = {
    403: {"model": JobErrorOut, "description": "Missing or wrong X-API-Key, or a cross-origin request without a key"},
    409: {"model": JobErrorOut, "description": "Conflicts with the corpus"},
    422: {"model": JobErrorOut, "description": "Unreadable file or invalid request"},
    503: {"model": JobErrorOut, "description": "Index not loaded"},
}
Wait = Annotated[
    int,
    Query(ge=0, le=600, description="Seconds to wait for the job to finish before answering 202 (0: answer at once)."),
]


@router.get(
    "", response_model=DocumentList, responses=NOT_READY, summary="List the indexed documents", dependencies=[READ_ACCESS]
)
def list_documents(engine: EngineDep, manager: ManagerDep, settings: SettingsDep) -> dict:
    """Every indexed document (title, type, pages, chunk count, hash, when added) and the corpus
    files that are not indexed, with the reason."""
    docs = views.list_documents(engine.index)
    if not settings.show_paths:
        for doc in docs:
            doc["path"] = manager.shown_name(doc["path"]) if doc.get("path") else None
    unindexed = [{"filename": u.filename, "reason": u.reason} for u in manager.unindexed.values()]
    return {"count": len(docs), "documents": docs, "unindexed": unindexed}


@router.get(
    "/{doc_id}",
    response_model=DocumentDetailOut,
    responses={404: {"model": ErrorOut, "description": "Unknown id"}, **NOT_READY},
    summary="One document",
    dependencies=[READ_ACCESS],
)
def get_document(doc_id: str, engine: EngineDep, manager: ManagerDep, settings: SettingsDep) -> dict:
    """One document's metadata, section titles, tables and reference count."""
    detail = views.document_detail(engine.index, doc_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"no document {doc_id!r}")
    if not settings.show_paths and detail.get("path"):
        detail["path"] = manager.shown_name(detail["path"])
    return detail


def _stage(source: BinaryIO, target: Path, limit: int) -> int:
    """Copy the received file to the job's staging path, refusing it (413) past ``limit`` bytes."""
    total = 0
    with target.open("wb") as out:
        while block := source.read(1 << 20):
            total += len(block)
            if total > limit:
                raise ChangeError(413, f"{target.name} is over the {limit:,}-byte upload limit (CITEQA_MAX_UPLOAD_BYTES)")
            out.write(block)
    return total


async def _answer(job: Job, manager: ManagerDep, wait: int, done_status: int) -> JSONResponse:
    """The job (202), or with ``wait`` its outcome: ``done_status`` when done, its error status when failed."""
    if wait:
        await run_in_threadpool(manager.wait, job, wait)
    body = JobOut.model_validate(job.to_dict()).model_dump()
    headers = {"Location": f"/v1/jobs/{job.id}"}
    if job.state is JobState.failed:
        return JSONResponse(status_code=job.error_status or 500, content={"detail": job.error, "job": body}, headers=headers)
    return JSONResponse(status_code=done_status if job.state is JobState.done else 202, content=body, headers=headers)


@router.post(
    "",
    response_model=JobOut,
    status_code=202,
    responses={
        201: {"model": JobOut, "description": "Added (with `wait`, when the job finished in time)"},
        400: {"model": ErrorOut, "description": "Malformed multipart body"},
        **WRITE_ERRORS,
        413: {"model": JobErrorOut, "description": "Upload too large"},
        415: {"model": JobErrorOut, "description": "Not a PDF, TXT or MD file"},
    },
    summary="Upload a document (PDF, TXT or MD): a job that indexes it",
)
async def upload_document(
    file: UploadFile, _access: WriteAccessDep, manager: ManagerDep, settings: SettingsDep, wait: Wait = 0
) -> JSONResponse:
    """Stage the file and queue a job that parses it, adds it to the corpus folder and rebuilds the
    index incrementally (only its chunks are embedded); the new index is swapped in without a
    restart. Answers 202 with the job (`Location: /v1/jobs/{id}`); poll it for progress. The
    job runs to its end even if the client goes away; an unreadable file fails the job (422)
    and leaves the corpus and the index unchanged."""
    try:
        name = manager.check_upload(file.filename)
    except ChangeError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    except NotReady as exc:
        raise HTTPException(status_code=503, detail=f"index not ready: {exc}") from exc
    job, staged = manager.begin_upload(name)
    try:
        await run_in_threadpool(_stage, file.file, staged, settings.max_upload_bytes)
    except ChangeError as exc:
        manager.jobs.discard(job)
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    except BaseException:
        manager.jobs.discard(job)
        raise
    crash_point("upload:received")
    manager.queue_upload(job)
    return await _answer(job, manager, wait, 201)


@router.delete(
    "/{doc_id:corpus_path}",
    response_model=JobOut,
    status_code=202,
    responses={
        200: {"model": JobOut, "description": "Deleted (with `wait`, when the job finished in time)"},
        **WRITE_ERRORS,
        404: {"model": JobErrorOut, "description": "Unknown id"},
    },
    summary="Delete a document (or an unindexed corpus file): a job that re-indexes",
)
async def delete_document(doc_id: str, _access: WriteAccessDep, manager: ManagerDep, wait: Wait = 0) -> JSONResponse:
    """Queue a job that moves the document's file out of the corpus folder, rebuilds the index and
    swaps it in. `doc_id` is a document id, or a file name exactly as the listing shows it (its
    path inside the corpus folder, e.g. `sub/notes.txt`), of an indexed or an unindexed file:
    only that file is removed, never another of the same base name."""
    try:
        job = manager.queue_delete(doc_id)
    except ChangeError as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from exc
    except NotReady as exc:
        raise HTTPException(status_code=503, detail=f"index not ready: {exc}") from exc
    return await _answer(job, manager, wait, 200)
