"""Corpus-change jobs (upload, delete) and their records on disk.

A job is created when a write request is accepted and then runs in the manager's one writer
thread, whether or not the client waits for it. Its record (``<jobs folder>/<id>.json``) is
rewritten at every change of state, so after a crash and a restart an unfinished job is
found and resumed, and ``GET /v1/jobs/{id}`` still answers. An upload's file is staged in
``<jobs folder>/<id>/`` until the job ends.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

KEEP_FINISHED = 200
_JOB_ID = re.compile(r"[0-9a-f]{32}")


class JobKind(str, Enum):
    """What a job changes."""

    upload = "upload"
    delete = "delete"


class JobState(str, Enum):
    """Where a job is; ``done``, ``failed`` and ``cancelled`` are final."""

    receiving = "receiving"
    queued = "queued"
    parsing = "parsing"
    embedding = "embedding"
    indexing = "indexing"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def final(self) -> bool:
        return self in (JobState.done, JobState.failed, JobState.cancelled)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    """One corpus change.

    Attributes:
        id: 32 hex digits.
        kind: Upload or delete.
        state: Where the job is.
        filename: The uploaded or deleted file's name.
        doc_id: The document added or deleted (known once parsed).
        embedded: Chunks embedded so far.
        to_embed: Chunks to embed (0 while unknown).
        placed: The upload is in the corpus folder (or the deleted file is out of it).
        error: Why the job failed.
        error_status: The HTTP status matching the failure (409, 413, 415, 422, 503, 500).
        result: The change made (documents and chunks after it, embedded and reused counts).
        note: Set when the job was resumed after a restart.
    """

    id: str
    kind: JobKind
    state: JobState = JobState.queued
    filename: str | None = None
    doc_id: str | None = None
    embedded: int = 0
    to_embed: int = 0
    placed: bool = False
    error: str | None = None
    error_status: int | None = None
    result: dict[str, Any] | None = None
    note: str | None = None
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)

    @property
    def message(self) -> str:
        """The state in words, e.g. "embedding 120 of 2,600 chunks"."""
        if self.state is JobState.embedding:
            of = f" of {self.to_embed:,}" if self.to_embed >= self.embedded else ""
            return f"embedding {self.embedded:,}{of} chunks"
        if self.state is JobState.failed:
            return f"failed: {self.error}"
        if self.state is JobState.cancelled:
            return "cancelled; nothing of it was kept"
        if self.state is JobState.done and self.result is not None:
            r = self.result
            return f"{r.get('action', 'done')}; the index holds {r.get('documents')} documents ({r.get('chunks', 0):,} chunks)"
        return self.state.value

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["kind"], out["state"], out["message"] = self.kind.value, self.state.value, self.message
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["kind"], values["state"] = JobKind(values["kind"]), JobState(values["state"])
        return cls(**values)


class JobStore:
    """Job records in memory and on disk.

    Args:
        folder: Where records (``<id>.json``) and staging folders (``<id>/``) live.
        keep: Finished jobs kept (the oldest are forgotten beyond that).
    """

    def __init__(self, folder: Path, keep: int = KEEP_FINISHED) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def load(self) -> list[Job]:
        """Read the records left on disk (at start-up); returns the unfinished ones, oldest first."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in self.folder.glob("*.json"):
            try:
                job = Job.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                logger.warning("ignoring unreadable job record %s: %s", path, exc)
                path.unlink(missing_ok=True)
                continue
            self._jobs[job.id] = job
        for leftover in self.folder.iterdir():  # write temporaries and staging of forgotten jobs
            stem = leftover.name.split(".")[0]
            if leftover.name.startswith(".") or (leftover.is_dir() and stem not in self._jobs):
                _remove(leftover)
        return sorted((j for j in self._jobs.values() if not j.state.final), key=lambda j: j.created_at)

    def create(self, kind: JobKind, *, state: JobState = JobState.queued, **values: Any) -> Job:
        """A new job, recorded."""
        job = Job(id=uuid.uuid4().hex, kind=kind, state=state, **values)
        self.save(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """The job, or None when unknown."""
        return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Every known job, newest first."""
        return sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)

    def update(self, job: Job, *, persist: bool = True, **changes: Any) -> Job:
        """Change fields of ``job`` and record it (``persist=False``: in memory only, e.g. progress)."""
        for key, value in changes.items():
            setattr(job, key, value)
        job.updated_at = _now()
        if persist:
            self.save(job)
        return job

    def save(self, job: Job) -> None:
        """Write the record atomically (a crash leaves the old record or the new one)."""
        with self._lock:
            self._jobs[job.id] = job
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{job.id}.{uuid.uuid4().hex[:8]}.tmp"
            tmp.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.folder / f"{job.id}.json")
            if job.state.final:
                self._prune()

    def staging(self, job: Job) -> Path:
        """The job's own folder for its files (created)."""
        path = self.folder / job.id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def discard(self, job: Job) -> None:
        """Forget a job that was never accepted (e.g. its upload was refused while streaming)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        (self.folder / f"{job.id}.json").unlink(missing_ok=True)
        _remove(self.folder / job.id)

    def clean(self, job: Job) -> None:
        """Remove a finished job's staged files."""
        _remove(self.folder / job.id)

    def _prune(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.state.final), key=lambda j: j.updated_at)
        for job in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[job.id]
            (self.folder / f"{job.id}.json").unlink(missing_ok=True)
            _remove(self.folder / job.id)


def valid_job_id(job_id: str) -> bool:
    """Whether ``job_id`` has the form of a job id."""
    return bool(_JOB_ID.fullmatch(job_id))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
