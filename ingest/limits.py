"""Limits on what one file may cost to read, and the error that names the limit a file passed.

A small file can still be hostile: a page tree that names one subtree a million times, a
compressed page that draws a million characters, a stream that inflates to gigabytes. The
page and character limits are checked while reading (before the costly layout of a page);
the time and memory limits hold for the worker process that parses a PDF
(:mod:`citeqa.ingest.worker`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from citeqa.ingest.errors import IngestError


class Limit(str, Enum):
    """A parse limit, by the setting that sets it."""

    pages = "CITEQA_MAX_PAGES"
    page_chars = "CITEQA_MAX_PAGE_CHARS"
    document_chars = "CITEQA_MAX_DOCUMENT_CHARS"
    seconds = "CITEQA_PARSE_SECONDS"
    memory = "CITEQA_PARSE_MEMORY_MB"


@dataclass(frozen=True)
class ParseLimits:
    """What parsing one file may cost.

    Attributes:
        max_pages: Pages of a PDF (the longest real documents, theses and reports, have a few
            hundred; 2,000 leaves room for a book).
        max_page_chars: Characters on one PDF page (a dense two-column page holds about 10,000;
            a landscape table in small type perhaps 40,000).
        max_document_chars: Characters of one document's text (2,000 pages of 10,000).
        seconds: Wall time of one PDF's parse in its worker (a 2,000-page PDF at the measured
            3 pages/s per loaded core takes about 11 minutes).
        memory_mb: Address space of the worker process (RLIMIT_AS): the largest PDF of the
            shared sets needs well under 1 GB; the rest is room for libraries' reservations.
    """

    max_pages: int = 2000
    max_page_chars: int = 200_000
    max_document_chars: int = 20_000_000
    seconds: float = 900.0
    memory_mb: int = 4096


DEFAULT_LIMITS = ParseLimits()


class LimitExceeded(IngestError):
    """A file passed a parse limit; ``limit`` names it (and so the setting that raises it)."""

    def __init__(self, path: Path | str, limit: Limit, found: str, allowed: str) -> None:
        self.limit, self.found, self.allowed = limit, found, allowed
        super().__init__(path, f"{found}, over the limit of {allowed} ({limit.value})")

    def __reduce__(self) -> tuple[type, tuple[Path, Limit, str, str]]:  # type: ignore[override]
        return type(self), (self.path, self.limit, self.found, self.allowed)


def check_document_chars(path: Path | str, characters: int, limits: ParseLimits) -> None:
    """Raise :class:`LimitExceeded` when a document's text is over ``limits.max_document_chars``."""
    if characters > limits.max_document_chars:
        raise LimitExceeded(
            path, Limit.document_chars, f"the text holds {characters:,} characters", f"{limits.max_document_chars:,}"
        )
