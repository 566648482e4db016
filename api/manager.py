"""Holds the service's engine and changes the corpus: one writer at a time, readers never blocked.

Readers take :attr:`EngineManager.engine` once at the start of a request and use that object
throughout; writers (upload, delete) hold :attr:`EngineManager.write_lock`, rebuild the index
on disk (atomically, see ``citeqa.index.store.build_index``), load it into a new engine that
shares the already loaded embedding model, and swap the reference. A reader therefore sees
the old index or the new one, never a half-built one.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeqa.settings import Settings

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md")


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
    errors: list[tuple[str, str]] = field(default_factory=list)


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
            415, f"unsupported file type {shown} for {base or 'the upload'!s}: upload a .pdf, .txt or .md file"
        )
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(base).stem).strip("-.")[:120]
    if not stem:
        raise ChangeError(422, f"the file name {name!r} has no usable characters")
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


class EngineManager:
    """The service's engine reference and the corpus writer.

    Args:
        settings: Where the corpus and index live and which model to use.
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

    # --- reading -----------------------------------------------------------------------

    def start(self) -> None:
        """Load the engine unless one was injected; a failure is kept in :attr:`error`, not raised."""
        if self.engine is not None:
            return
        model = self.settings.model_name()
        try:
            self.engine = self.loader(Path(self.settings.index_dir), model)
            self.error = None
        except Exception as exc:  # noqa: BLE001 - reported by /readyz, not fatal to the process
            self.error = f"{type(exc).__name__}: {exc}"
            logger.error("cannot load the index at %s: %s", self.settings.index_dir, self.error)

    def current(self) -> Any:
        """The engine to use for one request (take it once and keep it).

        Raises:
            NotReady: No index is loaded.
        """
        engine = self.engine
        if engine is None:
            raise NotReady(self.error or "the index is not loaded")
        return engine

    # --- writing -----------------------------------------------------------------------

    def _corpus_dir(self) -> Path:
        corpus = Path(self.settings.corpus_dir)
        corpus.mkdir(parents=True, exist_ok=True)
        return corpus

    def _rebuild(self, engine: Any) -> tuple[Any, Any]:
        """Build the index over every corpus file and load it, reusing ``engine``'s embedder."""
        from citeqa.index.store import build_index, load_index
        from citeqa.ingest.pipeline import find_corpus_files

        embedder = engine.embedder
        files = find_corpus_files([self._corpus_dir()])
        report = build_index(files, Path(self.settings.index_dir), embedder)
        index = load_index(Path(self.settings.index_dir), embedder.name, embedder.dimension)
        return report, self.engine_factory(index, embedder)

    def _swap(self, engine: Any) -> None:
        self.engine = engine
        self.error = None
        self.generation += 1

    def add_document(self, filename: str | None, data: bytes) -> ChangeResult:
        """Validate an upload, save it into the corpus folder, rebuild the index and swap it in.

        On any failure the corpus folder and the index are left as they were.

        Raises:
            ChangeError: 413 too large, 415 unsupported type, 422 unreadable file,
                409 name or document id already in the corpus, 503 no index loaded.
            NotReady: No engine is loaded.
        """
        name = safe_filename(filename)
        if len(data) > self.settings.max_upload_bytes:
            raise ChangeError(413, f"{name} is {len(data)} bytes; the limit is {self.settings.max_upload_bytes}")
        if not data.strip():
            raise ChangeError(422, f"cannot ingest {name}: the file is empty")
        staging = Path(tempfile.mkdtemp(prefix="citeqa-upload-"))
        try:
            staged = staging / name
            staged.write_bytes(data)
            try:
                doc, chunks = self.parser(staged)
            except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable upload
                reason = getattr(exc, "reason", None) or str(exc)
                raise ChangeError(422, f"cannot ingest {name}: {reason}") from exc
            if not chunks:
                raise ChangeError(422, f"cannot ingest {name}: no text could be extracted")
            with self.write_lock:
                engine = self.current()
                corpus = self._corpus_dir()
                target = corpus / name
                if target.exists():
                    raise ChangeError(409, f"{name} is already in the corpus; delete document {doc.doc_id!r} first")
                if doc.doc_id in engine.index.documents:
                    raise ChangeError(
                        409, f"a document with id {doc.doc_id!r} already exists; delete it first or rename {name}"
                    )
                hidden = corpus / f".upload-{uuid.uuid4().hex}{target.suffix}"
                shutil.copyfile(staged, hidden)
                os.replace(hidden, target)
                try:
                    report, new_engine = self._rebuild(engine)
                except Exception as exc:
                    target.unlink(missing_ok=True)
                    logger.exception("rebuild after uploading %s failed", name)
                    raise ChangeError(422, f"cannot index {name}: {exc}") from exc
                failed = [msg for path, msg in report.errors if Path(path).name == name]
                if failed:
                    # The new index was built without the upload; make the corpus match it again.
                    target.unlink(missing_ok=True)
                    self._swap(new_engine)
                    raise ChangeError(422, f"cannot ingest {name}: {failed[0]}")
                self._swap(new_engine)
                logger.info("added %s as %s (%d embedded)", name, doc.doc_id, report.embedded)
                return ChangeResult(
                    action="added",
                    doc_id=doc.doc_id,
                    filename=name,
                    documents=report.documents,
                    chunks=report.chunks,
                    embedded=report.embedded,
                    reused=report.reused,
                    errors=list(report.errors),
                )
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def delete_document(self, doc_id: str) -> ChangeResult:
        """Remove a document's file from the corpus folder, rebuild the index and swap it in.

        Raises:
            ChangeError: 404 unknown id, 409 file outside the corpus folder or the last document.
            NotReady: No engine is loaded.
        """
        with self.write_lock:
            engine = self.current()
            entry = engine.index.manifest.get("documents", {}).get(doc_id)
            if entry is None and doc_id in engine.index.documents:
                entry = {"path": engine.index.documents[doc_id].path}
            if entry is None:
                raise ChangeError(404, f"no document {doc_id!r}")
            corpus = self._corpus_dir().resolve()
            path = Path(entry["path"])
            resolved = path.resolve()
            if not resolved.is_relative_to(corpus):
                raise ChangeError(409, f"{path} is not in the corpus folder {corpus}; it cannot be deleted here")
            if len(engine.index.documents) <= 1:
                raise ChangeError(409, "cannot delete the last document: the index would be empty")
            trash = Path(tempfile.mkdtemp(prefix="citeqa-delete-"))
            kept = trash / resolved.name
            try:
                if resolved.exists():
                    shutil.move(str(resolved), kept)
                try:
                    report, new_engine = self._rebuild(engine)
                except Exception as exc:
                    if kept.exists():
                        shutil.move(str(kept), resolved)
                    logger.exception("rebuild after deleting %s failed", doc_id)
                    raise ChangeError(409, f"cannot delete {doc_id!r}: {exc}") from exc
                self._swap(new_engine)
            finally:
                shutil.rmtree(trash, ignore_errors=True)
            logger.info("deleted %s (%s)", doc_id, resolved)
            return ChangeResult(
                action="deleted",
                doc_id=doc_id,
                filename=resolved.name,
                documents=report.documents,
                chunks=report.chunks,
                embedded=report.embedded,
                reused=report.reused,
                errors=list(report.errors),
            )


def _default_parser(path: Path) -> Any:
    from citeqa.ingest.pipeline import ingest_file

    return ingest_file(path)
