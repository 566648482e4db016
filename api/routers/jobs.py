"""``/v1/jobs``: the progress and outcome of uploads and deletions."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from citeqa.api.deps import ManagerDep
from citeqa.api.jobs import JobState, valid_job_id
from citeqa.api.schemas import ErrorOut, JobErrorOut, JobList, JobOut
from citeqa.api.security import JOB_LIST_ACCESS, READ_ACCESS, WriteAccessDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get(
    "", response_model=JobList, summary="Recent jobs, newest first", dependencies=[READ_ACCESS, JOB_LIST_ACCESS]
)
def list_jobs(
    manager: ManagerDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many jobs (1–200).")] = 20,
) -> dict:
    """The most recent jobs (the last 200 finished ones are kept, across restarts)."""
    jobs = manager.jobs.all()[:limit]
    return {"count": len(jobs), "jobs": [job.to_dict() for job in jobs]}


@router.get(
    "/{job_id}",
    response_model=JobOut,
    responses={404: {"model": ErrorOut, "description": "Unknown job"}},
    summary="One job: queued, embedding n of m, done or failed with the reason",
    dependencies=[READ_ACCESS],
)
def get_job(job_id: str, manager: ManagerDep) -> dict:
    """The job's state, progress (`embedded` of `to_embed` chunks), and its result or error."""
    job = manager.jobs.get(job_id) if valid_job_id(job_id) else None
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id[:100]!r} (jobs are kept until 200 newer ones finish)")
    return job.to_dict()


@router.delete(
    "/{job_id}",
    response_model=JobOut,
    responses={
        404: {"model": ErrorOut, "description": "Unknown job"},
        409: {"model": JobErrorOut, "description": "The job had already finished"},
        403: {"model": JobErrorOut, "description": "Missing or wrong X-API-Key, or a cross-origin request without a key"},
    },
    summary="Cancel a queued or running job: nothing of it is kept",
)
async def cancel_job(job_id: str, _access: WriteAccessDep, manager: ManagerDep) -> JSONResponse:
    """Cancel the job: a queued one at once, a running one at its next step (a parse is stopped,
    an embedding between batches), before its change is swapped in. Its file leaves the corpus
    folder and the index is unchanged; the job ends `cancelled` (200). A job that finished first
    answers 409 with its final state."""
    job = manager.jobs.get(job_id) if valid_job_id(job_id) else None
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id[:100]!r} (jobs are kept until 200 newer ones finish)")
    final_before = job.state.final
    job = await run_in_threadpool(manager.cancel, job_id) or job
    body = JobOut.model_validate(job.to_dict()).model_dump()
    if job.state is JobState.cancelled and not final_before:
        return JSONResponse(status_code=200, content=body)
    if not job.state.final:
        return JSONResponse(status_code=202, content=body)  # still stopping: poll it
    return JSONResponse(status_code=409, content={"detail": f"job {job.id} had already ended: {job.message}", "job": body})
