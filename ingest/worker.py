"""Parse a file in a worker process bounded in time and memory, so a hostile file costs its job, not the service.

The worker is forked from a ``forkserver`` that has the ingest modules loaded (a fresh process,
never a fork of a threaded server), sets its own address-space limit (``RLIMIT_AS``), parses
one file with the page and character limits and sends the Document back over a pipe. The
caller waits up to the time limit, polling a cancel flag; past the limit, or when cancelled,
the worker is killed. A worker that dies (out of memory, a crash in PDFium) fails that file
with a message naming the likely cause.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from citeqa.ingest.errors import IngestError
from citeqa.ingest.limits import DEFAULT_LIMITS, Limit, LimitExceeded, ParseLimits
from citeqa.ingest.models import Document

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.1  # how often the caller looks at the cancel flag while the worker runs
PRELOAD = ["citeqa.ingest.pipeline"]  # imported once by the fork server, not by every worker
MB = 1024 * 1024


class ParseCancelled(Exception):
    """The parse was cancelled by the caller (its worker was stopped)."""


_context_lock = threading.Lock()
_context: Any = None


def _forkserver() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _child(conn: Connection, path: str, doc_id: str | None, limits: ParseLimits) -> None:
    """The worker: limit the address space, parse, send ``("ok", doc)`` or ``("error", exception)``."""
    memory = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        from citeqa.ingest.pipeline import parse_document

        conn.send(("ok", parse_document(Path(path), doc_id, limits)))
    except MemoryError:
        conn.send(("error", LimitExceeded(path, Limit.memory, "parsing it needed more memory", f"{limits.memory_mb:,} MB")))
    except IngestError as exc:
        conn.send(("error", exc))
    except Exception as exc:  # noqa: BLE001 - any failure is this file's, reported by name
        conn.send(("error", IngestError(path, f"unreadable ({type(exc).__name__}: {exc})")))
    finally:
        conn.close()


def parse_in_worker(
    path: Path,
    doc_id: str | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
    cancel: threading.Event | None = None,
) -> Document:
    """Parse ``path`` (``citeqa.ingest.pipeline.parse_document``) in a bounded worker process.

    Args:
        path: The file.
        doc_id: The id to give it (default: from the file name).
        limits: Pages, characters, wall time (``seconds``) and memory (``memory_mb``).
        cancel: When set while the worker runs, the worker is stopped.

    Returns:
        The parsed Document.

    Raises:
        LimitExceeded: Over a limit (time and memory included); the message names it.
        IngestError: The file cannot be read, or the worker died.
        ParseCancelled: ``cancel`` was set.
    """
    receiver, sender = _forkserver().Pipe(duplex=False)
    worker = _forkserver().Process(target=_child, args=(sender, str(path), doc_id, limits), daemon=True)
    worker.start()
    sender.close()
    try:
        return _receive(path, worker, receiver, limits, cancel)
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join(5)


def _receive(path: Path, worker: Any, receiver: Connection, limits: ParseLimits, cancel: threading.Event | None) -> Document:
    deadline = time.monotonic() + limits.seconds
    while not receiver.poll(POLL_SECONDS):
        if cancel is not None and cancel.is_set():
            raise ParseCancelled(f"parsing {Path(path).name} was cancelled")
        if time.monotonic() > deadline:
            raise LimitExceeded(path, Limit.seconds, f"parsing took over {limits.seconds:g} s", f"{limits.seconds:g} s")
        if not worker.is_alive() and not receiver.poll(0):
            raise _died(path, worker, limits)
    try:
        status, payload = receiver.recv()
    except (EOFError, OSError) as exc:
        raise _died(path, worker, limits) from exc
    if status == "ok":
        return payload
    raise payload


def _died(path: Path, worker: Any, limits: ParseLimits) -> IngestError:
    worker.join(5)
    code = worker.exitcode
    logger.warning("the parser of %s died (exit code %s)", path, code)
    return IngestError(
        path,
        f"the parser stopped (exit code {code}) — most likely it needed more than {limits.memory_mb:,} MB "
        f"({Limit.memory.value}) or the file crashed the PDF library",
    )
