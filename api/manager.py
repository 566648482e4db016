"""Holds the service's engine and changes the corpus: one writer at a time, readers never blocked.

Readers take :attr:`EngineManager.engine` once at the start of a request and use that object
throughout. Writes are jobs (:mod:`citeqa.api.jobs`) run one at a time by the manager's writer
thread: an upload job parses the staged file, places it in the corpus folder, rebuilds the
index on disk (atomically, see ``citeqa.index.store``), loads it into a new engine that shares
the already loaded embedding model and swaps the reference. A reader therefore sees the old
index or the new one, never a half-built one, and never waits for a writer.

At start-up (:meth:`EngineManager.start`) the manager repairs an interrupted index swap,
resumes unfinished jobs, and reports corpus files that are not in the index (removable with
``DELETE /v1/documents/{filename}``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import queue
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from citeqa.api.jobs import Job, JobKind, JobState, JobStore
from citeqa.faults import crash_point
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md")
EMBED_BATCH = 64


class ChangeError(Exception):
    """A corpus change was refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class NotReady(Exception):
    """No index is loaded (yet)."""


@dataclass
class ChangeResult:
    """What an upload or deletion did."""

    action: str
    doc_id: str | None
    filename: str | None
    documents: int
    chunks: int
    embedded: int | None = None
    reused: int | None = None
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Unindexed:
    """A file in the corpus folder that is not in the index, and why."""

    filename: str
    reason: str


def safe_filename(name: str | None) -> str:
    """Reduce an uploaded file's name to a safe basename.

    Raises:
        ChangeError: 415 when the extension is not .pdf, .txt or .md; 422 when no name is left.
    """
    base = Path((name or "").replace("\\", "/")).name.strip()
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(none)"
        raise ChangeError(
            415, f"unsupported file type {shown[:20]} for {base[:100] or 'the upload'!s}: upload a .pdf, .txt or .md file"
        )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(base).stem).strip("-.")[:120]
    if not stem:
        raise ChangeError(422, f"the file name {name[:100]!r} has no usable characters")
    return f"{stem}{suffix}"


def default_engine_factory(index: Any, embedder: Any, pack: str | None = None) -> Any:
    """Build a ``citeqa.qa.engine.Engine`` over an already loaded index and embedder (domain ``pack``)."""
    from citeqa.qa.engine import Engine
    from citeqa.qa.vocabulary import load_vocabulary

    return Engine(index, embedder, load_vocabulary(pack) if pack else None)


def default_loader(index_dir: Path, model: str, pack: str | None = None) -> Any:
    """Load the engine from disk (index, model and domain ``pack``): ``Engine.load``."""
    from citeqa.qa.engine import Engine

    return Engine.load(Path(index_dir), model, pack)


class ProgressEmbedder:
    """An embedder that encodes in small batches and reports after each (for job progress).

    Args:
        embedder: The real embedder (``name``, ``dimension``, ``encode``).
        on_batch: Called with the number of texts just embedded.
        batch: Texts per call to the real embedder.
    """

    def __init__(self, embedder: Any, on_batch: Callable[[int], None], batch: int = EMBED_BATCH) -> None:
        self.inner = embedder
        self.name = embedder.name
        self.dimension = embedder.dimension
        self.on_batch = on_batch
        self.batch = batch

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """The real embedder's vectors, ``batch`` texts at a time."""
        parts = []
        for start in range(0, len(texts), self.batch):
            part = list(texts[start : start + self.batch])
            parts.append(self.inner.encode(part))
            self.on_batch(len(part))
        return np.concatenate(parts) if parts else np.zeros((0, self.dimension), dtype=np.float32)


def _blank(path: Path) -> bool:
    """Whether the file holds only whitespace (read in blocks)."""
    with path.open("rb") as fh:
        return all(not block.strip() for block in iter(lambda: fh.read(1 << 20), b""))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class EngineManager:
    """The service's engine reference, the corpus writer and its job queue.

    Args:
        settings: Where the corpus, the index and the job records live and which model to use.
        engine: An engine already loaded (tests inject one); otherwise :meth:`start` loads it.
        engine_factory: ``(index, embedder) -> engine``, used after a rebuild.
        loader: ``(index_dir, model) -> engine``, used by :meth:`start`.
        parser: ``path -> (Document, chunks)``, validates an upload before it enters the corpus.
    """

    def __init__(
        self,
        settings: Settings,
        engine: Any | None = None,
        *,
        engine_factory: Callable[[Any, Any], Any] | None = None,
        loader: Callable[[Path, str], Any] | None = None,
        parser: Callable[[Path], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.engine: Any | None = engine
        self.error: str | None = None
        self.write_lock = threading.Lock()
        self.engine_factory = engine_factory or functools.partial(default_engine_factory, pack=settings.pack)
        self.loader = loader or functools.partial(default_loader, pack=settings.pack)
        self.parser = parser or _default_parser
        self.generation = 0
        self.jobs = JobStore(settings.jobs_folder())
        self.unindexed: dict[str, Unindexed] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._finished = threading.Condition()

    # --- start and stop ----------------------------------------------------------------

    def start(self) -> None:
        """Repair, load, resume: called once at start-up.

        Repairs an interrupted index swap, loads the engine unless one was injected (a failure
        is kept in :attr:`error` for ``/readyz``, not raised), resumes unfinished jobs, finds
        corpus files missing from the index and starts the writer thread.
        """
        from citeqa.index.store import recover_index

        if self._worker is not None:
            return
        try:
            recover_index(Path(self.settings.index_dir))
        except OSError as exc:
            logger.error("cannot repair the index folder %s: %s", self.settings.index_dir, exc)
        if self.engine is None:
            try:
                self.engine = self.loader(Path(self.settings.index_dir), self.settings.model_name())
                self.error = None
            except Exception as exc:  # noqa: BLE001 - reported by /readyz, not fatal to the process
                self.error = f"{type(exc).__name__}: {exc}"
                logger.error("cannot load the index at %s: %s", self.settings.index_dir, self.error)
        self._clean_corpus_temporaries()
        for job in self.jobs.load():
            self._resume(job)
        self._find_unindexed()
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="citeqa-writer", daemon=True)
        self._worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the running job finish (queued ones resume at the next start) and stop the writer."""
        if self._worker is None:
            return
        self._stopping.set()
        self._queue.put(None)
        self._worker.join(timeout)
        self._worker = None

    def _resume(self, job: Job) -> None:
        if job.kind is JobKind.upload and job.state is JobState.receiving:
            self.jobs.update(job, state=JobState.failed, error_status=503,
                             error="the upload was interrupted while its file was being received; nothing was changed")
            self.jobs.clean(job)
            return
        logger.warning("resuming %s job %s (%s) interrupted by a restart", job.kind.value, job.id, job.filename)
        self.jobs.update(job, state=JobState.queued, note="resumed after a restart")
        self._queue.put(job.id)

    # --- reading -----------------------------------------------------------------------

    def current(self) -> Any:
        """The engine to use for one request (take it once and keep it).

        Raises:
            NotReady: No index is loaded.
        """
        engine = self.engine
        if engine is None:
            raise NotReady(self.error or "the index is not loaded")
        return engine

    def wait(self, job: Job, timeout: float) -> Job:
        """Block until ``job`` is final or ``timeout`` seconds have passed; returns it."""
        with self._finished:
            self._finished.wait_for(lambda: job.state.final, timeout=timeout)
        return job

    # --- accepting changes -------------------------------------------------------------

    def _corpus_dir(self) -> Path:
        corpus = Path(self.settings.corpus_dir)
        corpus.mkdir(parents=True, exist_ok=True)
        return corpus

    def check_upload(self, filename: str | None) -> str:
        """The safe name an upload will have; refuses it before it is staged.

        Raises:
            ChangeError: 415 type, 422 name, 409 name already in the corpus or queued.
            NotReady: No engine is loaded.
        """
        name = safe_filename(filename)
        self.current()
        if (self._corpus_dir() / name).exists():
            if name in self.unindexed:
                raise ChangeError(
                    409, f"{name} is in the corpus folder but not indexed ({self.unindexed[name].reason}); "
                    f"delete it first with DELETE /v1/documents/{name}"
                )
            raise ChangeError(409, f"{name} is already in the corpus; delete that document first")
        pending = [j for j in self.jobs.all() if j.kind is JobKind.upload and not j.state.final and j.filename == name]
        if pending:
            raise ChangeError(409, f"{name} is already being uploaded (job {pending[0].id})")
        return name

    def begin_upload(self, name: str) -> tuple[Job, Path]:
        """A job in state ``receiving`` and the path its file is to be written to."""
        job = self.jobs.create(JobKind.upload, state=JobState.receiving, filename=name)
        return job, self.jobs.staging(job) / name

    def queue_upload(self, job: Job) -> Job:
        """The upload's file is complete: queue the job."""
        self.jobs.update(job, state=JobState.queued)
        self._queue.put(job.id)
        return job

    def queue_delete(self, doc_id: str) -> Job:
        """Queue the removal of an indexed document (by id) or of an unindexed corpus file (by name).

        Raises:
            ChangeError: 404 unknown, 409 outside the corpus folder or the last document.
            NotReady: No engine is loaded.
        """
        engine = self.current()
        target = self._delete_target(engine, doc_id)
        if target is None and doc_id not in self.unindexed:
            raise ChangeError(404, f"no document {doc_id[:200]!r}")
        if target is not None:
            if not target.resolve().is_relative_to(self._corpus_dir().resolve()):
                raise ChangeError(409, f"{target.name} is not in the corpus folder; it cannot be deleted here")
            if len(engine.index.documents) <= 1:
                raise ChangeError(409, "cannot delete the last document: the index would be empty")
        filename = target.name if target is not None else doc_id
        job = self.jobs.create(JobKind.delete, doc_id=doc_id if target is not None else None, filename=filename)
        self._queue.put(job.id)
        return job

    @staticmethod
    def _delete_target(engine: Any, doc_id: str) -> Path | None:
        entry = engine.index.manifest.get("documents", {}).get(doc_id)
        if entry is None and doc_id in engine.index.documents:
            entry = {"path": engine.index.documents[doc_id].path}
        return Path(entry["path"]) if entry is not None else None

    # --- the writer --------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None or self._stopping.is_set():
                return
            job = self.jobs.get(job_id)
            if job is None or job.state.final:
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        try:
            with self.write_lock:
                run = self._upload if job.kind is JobKind.upload else self._delete
                result = run(job)
            self.jobs.update(job, state=JobState.done, result=asdict(result))
            self.jobs.clean(job)
            logger.info("%s job %s done: %s", job.kind.value, job.id, job.message)
        except ChangeError as exc:
            self._fail(job, exc.status, exc.detail)
        except NotReady as exc:
            self._fail(job, 503, f"index not ready: {exc}")
        except Exception as exc:  # noqa: BLE001 - a job never takes the writer thread down
            logger.exception("%s job %s failed", job.kind.value, job.id)
            self._fail(job, 500, f"{type(exc).__name__}: {exc}")
        finally:
            self._find_unindexed()
            with self._finished:
                self._finished.notify_all()

    def _fail(self, job: Job, status: int, detail: str) -> None:
        self.jobs.update(job, state=JobState.failed, error_status=status, error=detail)
        self.jobs.clean(job)
        logger.warning("%s job %s failed (%d): %s", job.kind.value, job.id, status, detail)

    def _upload(self, job: Job) -> ChangeResult:
        name = str(job.filename)
        staged = self.jobs.folder / job.id / name
        if not staged.is_file():
            raise ChangeError(422, f"the staged file of {name} is missing; upload it again")
        self.jobs.update(job, state=JobState.parsing)
        if _blank(staged):
            raise ChangeError(422, f"cannot ingest {name}: the file is empty")
        try:
            doc, chunks = self.parser(staged)
        except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable upload
            reason = getattr(exc, "reason", None) or str(exc)
            raise ChangeError(422, f"cannot ingest {name}: {reason}") from exc
        if not chunks:
            raise ChangeError(422, f"cannot ingest {name}: no text could be extracted")
        self.jobs.update(job, doc_id=doc.doc_id)
        engine = self.current()
        target = self._corpus_dir() / name
        resumed = target.exists() and _sha256(target) == _sha256(staged)
        if target.exists() and not resumed:
            raise ChangeError(409, f"{name} is already in the corpus; delete that document first")
        owner = self._delete_target(engine, doc.doc_id)
        if owner is not None and owner.resolve() != target.resolve():
            raise ChangeError(409, f"a document with id {doc.doc_id!r} already exists; delete it first or rename {name}")
        if not resumed:
            hidden = target.parent / f".upload-{uuid.uuid4().hex}{target.suffix}"
            shutil.copyfile(staged, hidden)
            os.replace(hidden, target)
        self.jobs.update(job, placed=True, to_embed=self._new_chunks(engine, doc, chunks))
        crash_point("upload:placed")
        try:
            report, new_engine = self._rebuild(engine, job, self._indexed_paths(engine) + [target])
        except Exception as exc:
            target.unlink(missing_ok=True)
            raise ChangeError(422, f"cannot index {name}: {exc}") from exc
        failed = [msg for path, msg in report.errors if Path(path).name == name]
        if failed:
            target.unlink(missing_ok=True)  # the new index was built without it: make the corpus match
            self._swap(new_engine)
            raise ChangeError(422, f"cannot ingest {name}: {failed[0]}")
        self._swap(new_engine)
        return self._result("added", doc.doc_id, name, report)

    def _delete(self, job: Job) -> ChangeResult:
        engine = self.current()
        trash = self.jobs.staging(job) / "removed"
        trash.mkdir(exist_ok=True)
        name = str(job.filename)
        source = self._delete_target(engine, job.doc_id) if job.doc_id else self._corpus_dir() / name
        if job.doc_id in engine.index.documents and len(engine.index.documents) <= 1:
            raise ChangeError(409, "cannot delete the last document: the index would be empty")
        kept = trash / name
        if source is not None and source.exists() and not job.placed:
            shutil.move(str(source), kept)
            self.jobs.update(job, placed=True)
        crash_point("delete:moved")
        if job.doc_id is None:  # an unindexed file: the index does not change
            self.unindexed.pop(name, None)
            index = engine.index
            return ChangeResult("removed", None, name, len(index.documents), len(index.chunks))
        paths = self._indexed_paths(engine, without=source)
        try:
            report, new_engine = self._rebuild(engine, job, paths)
        except Exception as exc:
            if source is not None and kept.exists():
                shutil.move(str(kept), source)
            raise ChangeError(409, f"cannot delete {job.doc_id!r}: {exc}") from exc
        self._swap(new_engine)
        return self._result("deleted", job.doc_id, name, report)

    @staticmethod
    def _result(action: str, doc_id: str | None, filename: str | None, report: Any) -> ChangeResult:
        errors = [{"path": Path(p).name, "message": m} for p, m in report.errors]
        return ChangeResult(action, doc_id, filename, report.documents, report.chunks, report.embedded, report.reused, errors)

    def _indexed_paths(self, engine: Any, without: Path | None = None) -> list[Path]:
        """The source files of the indexed documents that still exist (but ``without``): every
        rebuild keeps them, and indexes no other file of the corpus folder."""
        paths = []
        for doc_id, entry in engine.index.manifest.get("documents", {}).items():
            path = Path(entry["path"])
            if without is not None and path.resolve() == without.resolve():
                continue
            if path.is_file():
                paths.append(path)
            else:
                logger.warning("the source of document %s (%s) is gone: it leaves the index", doc_id, path)
        return paths

    @staticmethod
    def _new_chunks(engine: Any, doc: Any, chunks: list[Any]) -> int:
        """How many of ``chunks`` will be embedded (their texts are not in the index yet)."""
        from citeqa.index.store import index_texts, text_key

        known = {text_key(t) for t in index_texts(engine.index.chunks, engine.index.documents)}
        return len({text_key(t) for t in index_texts(chunks, {doc.doc_id: doc})} - known)

    def _rebuild(self, engine: Any, job: Job, paths: list[Path]) -> tuple[Any, Any]:
        """Build the index over ``paths`` and load it, reusing ``engine``'s embedder; reports progress."""
        from citeqa.index.store import build_index, load_index

        def progress(count: int) -> None:
            done = job.embedded + count
            self.jobs.update(job, persist=False, state=JobState.embedding, embedded=done, to_embed=max(job.to_embed, done))

        embedder = engine.embedder
        report = build_index(paths, Path(self.settings.index_dir), ProgressEmbedder(embedder, progress))
        self.jobs.update(job, state=JobState.indexing)
        index = load_index(Path(self.settings.index_dir), embedder.name, embedder.dimension)
        return report, self.engine_factory(index, embedder)

    def _swap(self, engine: Any) -> None:
        self.engine = engine
        self.error = None
        self.generation += 1

    # --- the corpus folder -------------------------------------------------------------

    def _clean_corpus_temporaries(self) -> None:
        corpus = Path(self.settings.corpus_dir)
        if corpus.is_dir():
            for leftover in corpus.glob(".upload-*"):
                logger.info("removing %s left by an interrupted upload", leftover)
                leftover.unlink(missing_ok=True)

    def _find_unindexed(self) -> None:
        """Corpus files that no indexed document comes from, and are not being uploaded."""
        engine, corpus = self.engine, Path(self.settings.corpus_dir)
        if engine is None or not corpus.is_dir():
            return
        from citeqa.ingest.pipeline import find_corpus_files

        indexed = {Path(e["path"]).resolve() for e in engine.index.manifest.get("documents", {}).values()}
        pending = {j.filename for j in self.jobs.all() if j.kind is JobKind.upload and not j.state.final}
        found = {}
        for path in find_corpus_files([corpus]):
            if path.resolve() in indexed or path.name in pending:
                continue
            reason = self.unindexed.get(path.name)
            found[path.name] = reason or Unindexed(
                path.name, "not indexed: it was put in the corpus folder outside the service; index it with "
                "`citeqa ingest` or remove it with DELETE /v1/documents/" + path.name,
            )
        self.unindexed = found


def _default_parser(path: Path) -> Any:
    from citeqa.ingest.pipeline import ingest_file

    return ingest_file(path)
