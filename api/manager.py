"""Holds the service's engine and changes the corpus: one writer at a time, readers never blocked.

Readers take :attr:`EngineManager.engine` once at the start of a request and use that object
throughout. Writes are jobs (:mod:`citeqa.api.jobs`) run one at a time by the manager's writer
thread: an upload job parses the staged file in a bounded worker process
(``citeqa.ingest.worker``: page, character, time and memory limits), places it in the corpus
folder, adds its document to the index on disk (the other documents are kept as they are, not
parsed again; atomically, under the index's writer lock, see ``citeqa.index.store``), loads it
into a new engine that shares the already loaded embedding model and swaps the reference. A
reader therefore sees the old index or the new one, never a half-built one, and never waits
for a writer. A job can be cancelled while queued or running: nothing of it is kept. When
another process (``citeqa ingest``) changes the index, the writer thread loads the new version.

At start-up (:meth:`EngineManager.start`) the manager repairs an interrupted index swap,
resumes unfinished jobs, and reports corpus files that are not in the index (removable with
``DELETE /v1/documents/{filename}``).
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import re
import shutil
import threading
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from citeqa.api.jobs import Job, JobKind, JobState, JobStore
from citeqa.faults import crash_point
from citeqa.index.store import BuildCancelled
from citeqa.ingest.errors import IngestError, WrongFileType
from citeqa.ingest.pipeline import file_sha256
from citeqa.ingest.worker import ParseCancelled
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md")
EMBED_BATCH = 64
WATCH_SECONDS = 2.0  # how often an idle writer thread looks for an index version written by another process
MAX_NAME_BYTES = 200  # a file name's UTF-8 bytes (ext4 allows 255; room for the hidden temporary's prefix)
UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*]+')  # separators, and what Windows or a shell would misread


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
    """Reduce an uploaded file's name to a safe basename, keeping the letters of any script.

    The name is NFC-normalised; path parts, control and format characters (bidirectional
    overrides included) and characters that file systems or shells misread are dropped or
    turned into ``-``; it is shortened to :data:`MAX_NAME_BYTES` bytes of UTF-8.

    Raises:
        ChangeError: 415 when the extension is not .pdf, .txt or .md; 422 when no name is left.
    """
    raw = (name or "").encode("utf-8", "replace").decode("utf-8")
    base = unicodedata.normalize("NFC", Path(raw.replace("\\", "/")).name).strip()
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(none)"
        raise ChangeError(
            415, f"unsupported file type {shown[:20]} for {base[:100] or 'the upload'!s}: upload a .pdf, .txt or .md file"
        )
    visible = "".join(c for c in Path(base).stem if not unicodedata.category(c).startswith("C"))
    stem = UNSAFE_IN_NAME.sub("-", visible).strip(" -.")
    stem = stem.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore").rstrip(" -.")
    if not stem:
        raise ChangeError(422, f"the file name {(name or '')[:100]!r} has no usable characters")
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


def _warm(engine: Any) -> None:
    """Load the engine's verdict model in the background, so the first yes/no question does not wait."""
    load = getattr(engine, "verdict_model", None)
    if load is not None:
        threading.Thread(target=load, name="citeqa-warm", daemon=True).start()


class EngineManager:
    """The service's engine reference, the corpus writer and its job queue.

    Args:
        settings: Where the corpus, the index and the job records live, which model to use and
            the parse limits.
        engine: An engine already loaded (tests inject one); otherwise :meth:`start` loads it.
        engine_factory: ``(index, embedder) -> engine``, used after a rebuild.
        loader: ``(index_dir, model) -> engine``, used by :meth:`start`.
        parse: ``(path, doc_id, cancel) -> Document``; default: a bounded worker process with the
            settings' limits (``citeqa.ingest.worker.parse_in_worker``).
    """

    def __init__(
        self,
        settings: Settings,
        engine: Any | None = None,
        *,
        engine_factory: Callable[[Any, Any], Any] | None = None,
        loader: Callable[[Path, str], Any] | None = None,
        parse: Callable[[Path, str | None, threading.Event | None], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.engine: Any | None = engine
        self.error: str | None = None
        self.write_lock = threading.Lock()
        self.engine_factory = engine_factory or functools.partial(default_engine_factory, pack=settings.pack)
        self.loader = loader or functools.partial(default_loader, pack=settings.pack)
        self.parse = parse or _bounded_parse(settings)
        self.generation = 0
        self.jobs = JobStore(settings.jobs_folder())
        self.unindexed: dict[str, Unindexed] = {}
        self.writer_name = f"citeqa serve (pid {os.getpid()}) on {settings.host}:{settings.port}"
        self._version: str | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._finished = threading.Condition()
        self._running: tuple[str, threading.Event] | None = None  # the running job's id and cancel flag

    # --- start and stop ----------------------------------------------------------------

    def start(self) -> None:
        """Repair, load, resume: called once at start-up.

        Repairs an interrupted index swap, loads the engine unless one was injected (a failure
        is kept in :attr:`error` for ``/readyz``, not raised), resumes unfinished jobs, finds
        corpus files missing from the index and starts the writer thread.
        """
        from citeqa.index.store import current_version, recover_index

        if self._worker is not None:
            return
        try:
            recover_index(Path(self.settings.index_dir))
        except OSError as exc:
            logger.error("cannot repair the index folder %s: %s", self.settings.index_dir, exc)
        self._version = current_version(Path(self.settings.index_dir))
        if self.engine is None:
            try:
                self.engine = self.loader(Path(self.settings.index_dir), self.settings.model_name())
                self.error = None
                _warm(self.engine)
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

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the writer: the running job is interrupted (nothing of it is kept) and, like the
        queued ones, resumes at the next start."""
        if self._worker is None:
            return
        self._stopping.set()
        running = self._running
        if running is not None:
            running[1].set()
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

    def shown_name(self, path: str | Path) -> str:
        """How a source file is named to clients: its path inside the corpus folder (``sub/notes.txt``),
        or its base name when it lies elsewhere. Each corpus file has its own."""
        resolved, corpus = Path(path).resolve(), Path(self.settings.corpus_dir).resolve()
        return resolved.relative_to(corpus).as_posix() if resolved.is_relative_to(corpus) else Path(path).name

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

    def queue_delete(self, ident: str) -> Job:
        """Queue the removal of exactly one corpus file: an indexed document by its id or by the file
        name it is listed with (:meth:`shown_name`), or an unindexed corpus file by its listed name.

        Raises:
            ChangeError: 404 unknown, 409 outside the corpus folder or the last document.
            NotReady: No engine is loaded.
        """
        engine = self.current()
        doc_id = self._indexed_id(engine, ident)
        if doc_id is None:
            source = self._unindexed_file(engine, ident)
            job = self.jobs.create(JobKind.delete, filename=ident)
        else:
            source = self._delete_target(engine, doc_id)
            if source is not None and not source.resolve().is_relative_to(self._corpus_dir().resolve()):
                raise ChangeError(409, f"{source.name} is not in the corpus folder; it cannot be deleted here")
            if len(engine.index.documents) <= 1:
                raise ChangeError(409, "cannot delete the last document: the index would be empty")
            job = self.jobs.create(JobKind.delete, doc_id=doc_id, filename=self.shown_name(source) if source else doc_id)
        logger.info("queued the deletion of %s (%s)", source, ident)
        self._queue.put(job.id)
        return job

    def cancel(self, job_id: str, timeout: float = 25.0) -> Job | None:
        """Cancel a queued or running job: nothing of it stays in the corpus folder or the index.

        Returns:
            The job (``cancelled``, or its final state when it ended before it could be
            stopped), or None when unknown.
        """
        job = self.jobs.get(job_id)
        if job is None or job.state.final:
            return job
        running = self._running
        if running is not None and running[0] == job_id:
            running[1].set()
            return self.wait(job, timeout)
        if job.state in (JobState.queued, JobState.receiving):
            self._finish_cancelled(job)
            return job
        return self.wait(job, timeout)  # it is being picked up right now

    def _indexed_id(self, engine: Any, ident: str) -> str | None:
        """The indexed document ``ident`` names: its id, or the file name it is listed with."""
        documents = engine.index.manifest.get("documents", {})
        if ident in documents or ident in engine.index.documents:
            return ident
        for doc_id, entry in documents.items():
            if self.shown_name(entry["path"]) == ident:
                return doc_id
        return None

    def _unindexed_file(self, engine: Any, ident: str) -> Path:
        """The unindexed corpus file listed as ``ident`` (never an indexed one, never outside the corpus)."""
        if ident not in self.unindexed:
            raise ChangeError(404, f"no document {ident[:200]!r}")
        corpus = self._corpus_dir().resolve()
        path = (corpus / ident).resolve()
        if not path.is_relative_to(corpus) or path in _indexed_files(engine) or not path.is_file():
            raise ChangeError(409, f"{ident[:200]!r} is not an unindexed file of the corpus folder")
        return path

    @staticmethod
    def _delete_target(engine: Any, doc_id: str) -> Path | None:
        entry = engine.index.manifest.get("documents", {}).get(doc_id)
        if entry is None and doc_id in engine.index.documents:
            entry = {"path": engine.index.documents[doc_id].path}
        return Path(entry["path"]) if entry is not None else None

    # --- the writer --------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            try:
                job_id = self._queue.get(timeout=WATCH_SECONDS)
            except queue.Empty:
                self._follow_index()
                continue
            if job_id is None or self._stopping.is_set():
                return
            job = self.jobs.get(job_id)
            if job is None or job.state.final:
                continue
            self._run(job)

    def _follow_index(self) -> None:
        """Load the index version another process (``citeqa ingest``) swapped in, if any."""
        from citeqa.index.store import current_version

        version = current_version(Path(self.settings.index_dir))
        engine = self.engine
        if version is None or version == self._version or engine is None:
            return
        try:
            self._swap(self._load_latest(engine.embedder))
            self._find_unindexed()
            logger.info("loaded index version %s written by another process", version)
        except Exception as exc:  # noqa: BLE001 - keep answering from the loaded version
            logger.warning("cannot load the new index version %s: %s", version, exc)
            self._version = version

    def _run(self, job: Job) -> None:
        cancel = threading.Event()
        self._running = (job.id, cancel)
        try:
            with self.write_lock:
                run = self._upload if job.kind is JobKind.upload else self._delete
                result = run(job, cancel)
            self.jobs.update(job, state=JobState.done, result=asdict(result))
            self.jobs.clean(job)
            logger.info("%s job %s done: %s", job.kind.value, job.id, job.message)
        except (BuildCancelled, ParseCancelled):
            self._interrupted(job)
        except ChangeError as exc:
            self._fail(job, exc.status, exc.detail)
        except NotReady as exc:
            self._fail(job, 503, f"index not ready: {exc}")
        except Exception as exc:  # noqa: BLE001 - a job never takes the writer thread down
            logger.exception("%s job %s failed", job.kind.value, job.id)
            self._fail(job, 500, f"{type(exc).__name__}: {exc}")
        finally:
            self._running = None
            self._find_unindexed()
            with self._finished:
                self._finished.notify_all()

    def _interrupted(self, job: Job) -> None:
        """A job stopped before its change was swapped in: cancelled, or (the service stopping) left
        queued with its staged file, to resume at the next start."""
        if self._stopping.is_set():
            self.jobs.update(job, state=JobState.queued, placed=False, embedded=0,
                             note="interrupted by a shutdown; resumes at the next start")
            logger.warning("%s job %s interrupted by the shutdown; it resumes at the next start", job.kind.value, job.id)
            return
        self._finish_cancelled(job)

    def _finish_cancelled(self, job: Job) -> None:
        self.jobs.update(job, state=JobState.cancelled)
        self.jobs.clean(job)
        logger.info("%s job %s cancelled", job.kind.value, job.id)
        with self._finished:
            self._finished.notify_all()

    def _fail(self, job: Job, status: int, detail: str) -> None:
        self.jobs.update(job, state=JobState.failed, error_status=status, error=detail)
        self.jobs.clean(job)
        logger.warning("%s job %s failed (%d): %s", job.kind.value, job.id, status, detail)

    def _parse_upload(self, job: Job, staged: Path, cancel: threading.Event) -> Any:
        """The staged file's Document, read in the bounded parser; a failure is the job's (415/422)."""
        from citeqa.ingest.pipeline import slugify

        name = str(job.filename)
        self.jobs.update(job, state=JobState.parsing)
        if _blank(staged):
            raise ChangeError(422, f"cannot ingest {name}: the file is empty")
        try:
            return self.parse(staged, slugify(Path(name).stem), cancel)
        except IngestError as exc:
            raise ChangeError(_status_of(exc), f"cannot ingest {name}: {exc.reason}") from exc

    def _upload(self, job: Job, cancel: threading.Event) -> ChangeResult:
        from citeqa.ingest.chunking import chunk_document

        name = str(job.filename)
        staged = self.jobs.folder / job.id / name
        if not staged.is_file():
            raise ChangeError(422, f"the staged file of {name} is missing; upload it again")
        doc = self._parse_upload(job, staged, cancel)
        chunks = chunk_document(doc)
        if not chunks:
            raise ChangeError(422, f"cannot ingest {name}: no text could be extracted")
        self.jobs.update(job, doc_id=doc.doc_id)
        engine = self.current()
        target = self._corpus_dir() / name
        resumed = target.exists() and file_sha256(target) == file_sha256(staged)
        if target.exists() and not resumed:
            raise ChangeError(409, f"{name} is already in the corpus; delete that document first")
        owner = self._delete_target(engine, doc.doc_id)
        if owner is not None and owner.resolve() != target.resolve():
            raise ChangeError(409, f"a document with id {doc.doc_id!r} already exists; delete it first or rename {name}")
        if not resumed:
            hidden = target.parent / f".upload-{uuid.uuid4().hex}{target.suffix}"
            shutil.copyfile(staged, hidden)
            os.replace(hidden, target)
        doc.path = str(target)
        self.jobs.update(job, placed=True, to_embed=self._new_chunks(engine, doc, chunks))
        crash_point("upload:placed")
        try:
            report, loaded = self._rebuild(engine, job, cancel, add=(target, doc))
        except BaseException as exc:
            target.unlink(missing_ok=True)  # the index is unchanged: make the corpus match it
            if isinstance(exc, BuildCancelled) or not isinstance(exc, Exception):
                raise
            raise ChangeError(422, f"cannot index {name}: {exc}") from exc
        self._swap(loaded)
        return self._result("added", doc.doc_id, name, report)

    def _delete(self, job: Job, cancel: threading.Event) -> ChangeResult:
        engine = self.current()
        trash = self.jobs.staging(job) / "removed"
        trash.mkdir(exist_ok=True)
        name = str(job.filename)
        if job.doc_id is None:  # an unindexed file: the index does not change
            source = self._unindexed_file(engine, name)
        else:
            source = self._delete_target(engine, job.doc_id)
            if job.doc_id in engine.index.documents and len(engine.index.documents) <= 1:
                raise ChangeError(409, "cannot delete the last document: the index would be empty")
        kept = trash / Path(name).name
        if source is not None and source.exists() and not job.placed:
            shutil.move(str(source), kept)
            self.jobs.update(job, placed=True)
        crash_point("delete:moved")
        if job.doc_id is None:
            self.unindexed.pop(name, None)
            index = engine.index
            return ChangeResult("removed", None, name, len(index.documents), len(index.chunks))
        try:
            report, loaded = self._rebuild(engine, job, cancel, remove=job.doc_id)
        except BaseException as exc:
            if source is not None and kept.exists():
                shutil.move(str(kept), source)
            if isinstance(exc, BuildCancelled) or not isinstance(exc, Exception):
                raise
            raise ChangeError(409, f"cannot delete {job.doc_id!r}: {exc}") from exc
        self._swap(loaded)
        return self._result("deleted", job.doc_id, name, report)

    @staticmethod
    def _result(action: str, doc_id: str | None, filename: str | None, report: Any) -> ChangeResult:
        errors = [{"path": Path(p).name, "message": m} for p, m in report.errors]
        return ChangeResult(action, doc_id, filename, report.documents, report.chunks, report.embedded, report.reused, errors)

    @staticmethod
    def _new_chunks(engine: Any, doc: Any, chunks: list[Any]) -> int:
        """How many of ``chunks`` will be embedded (their texts are not in the index yet)."""
        from citeqa.index.store import index_texts, text_key

        known = {text_key(t) for t in index_texts(engine.index.chunks, engine.index.documents)}
        return len({text_key(t) for t in index_texts(chunks, {doc.doc_id: doc})} - known)

    def _rebuild(
        self, engine: Any, job: Job, cancel: threading.Event, *, add: tuple[Path, Any] | None = None,
        remove: str | None = None,
    ) -> tuple[Any, Any]:
        """Add one parsed document to the index on disk, or remove one, keeping every other document
        as it is (the latest version on disk, whoever wrote it); load it, reusing ``engine``'s
        embedder. Reports progress; stops before the swap when ``cancel`` is set."""
        from citeqa.index.store import Existing, build_index

        def progress(count: int) -> None:
            if cancel.is_set():  # between embedding batches: the build stops, the index is unchanged
                raise BuildCancelled(f"job {job.id} was cancelled")
            done = job.embedded + count
            self.jobs.update(job, persist=False, state=JobState.embedding, embedded=done, to_embed=max(job.to_embed, done))

        embedder = engine.embedder
        paths, parsed = ([add[0]], add[1]) if add is not None else ([], None)
        report = build_index(
            paths, Path(self.settings.index_dir), ProgressEmbedder(embedder, progress), existing=Existing.keep,
            remove=[remove] if remove else [], parse=lambda _path: parsed, cancel=cancel, writer=self.writer_name,
        )
        self.jobs.update(job, state=JobState.indexing)
        return report, self._load_latest(embedder)

    def _load_latest(self, embedder: Any) -> tuple[Any, str | None]:
        """A new engine over the index version now on disk, sharing ``embedder``, and that version's name
        (read first: a swap meanwhile is then loaded again, never missed)."""
        from citeqa.index.store import current_version, load_index

        index_dir = Path(self.settings.index_dir)
        version = current_version(index_dir)
        index = load_index(index_dir, embedder.name, embedder.dimension)
        return self.engine_factory(index, embedder), version

    def _swap(self, loaded: tuple[Any, str | None]) -> None:
        """Serve the engine of ``loaded`` (from :meth:`_load_latest`) and remember its index version."""
        self.engine, self._version = loaded
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
        """Corpus files that no indexed document comes from, and are not being uploaded, each
        under its own corpus-relative name (``sub/notes.txt`` and ``notes.txt`` are two)."""
        engine, corpus = self.engine, Path(self.settings.corpus_dir)
        if engine is None or not corpus.is_dir():
            return
        from citeqa.ingest.pipeline import find_corpus_files

        indexed = _indexed_files(engine)
        pending = {j.filename for j in self.jobs.all() if j.kind is JobKind.upload and not j.state.final}
        found = {}
        for path in find_corpus_files([corpus]):
            name = self.shown_name(path)
            if path.resolve() in indexed or name in pending:
                continue
            found[name] = self.unindexed.get(name) or Unindexed(
                name, "not indexed: it was put in the corpus folder outside the service; index it with "
                "`citeqa ingest` or remove it with DELETE /v1/documents/" + name,
            )
        self.unindexed = found


def _indexed_files(engine: Any) -> set[Path]:
    """The source files of the documents in ``engine``'s index, resolved."""
    return {Path(e["path"]).resolve() for e in engine.index.manifest.get("documents", {}).values()}


def _bounded_parse(settings: Settings) -> Callable[[Path, str | None, threading.Event | None], Any]:
    """Parse in a worker process bounded by the settings' limits (``citeqa.ingest.worker``)."""
    from citeqa.ingest.worker import parse_in_worker

    limits = settings.parse_limits()
    return lambda path, doc_id, cancel: parse_in_worker(path, doc_id, limits, cancel)


def _status_of(exc: IngestError) -> int:
    """The HTTP status of an unreadable upload: 415 for content of another type, else 422."""
    return 415 if isinstance(exc, WrongFileType) else 422
