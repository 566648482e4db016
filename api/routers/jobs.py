"""``/v1/jobs``: the progress and outcome of uploads and deletions."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from citeqa.api.deps import ManagerDep
from citeqa.api.jobs import valid_job_id
from citeqa.api.schemas import ErrorOut, JobList, JobOut

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("", response_model=JobList, summary="Recent jobs, newest first")
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
)
def get_job(job_id: str, manager: ManagerDep) -> dict:
    """The job's state, progress (`embedded` of `to_embed` chunks), and its result or error."""
    job = manager.jobs.get(job_id) if valid_job_id(job_id) else None
    if job is None:
        raise HTTPException(status_code=404, detail=f"no job {job_id[:100]!r} (jobs are kept until 200 newer ones finish)")
    return job.to_dict()
