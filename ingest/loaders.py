"""Read a file into text (and page spans for PDFs); every failure is an IngestError."""

from __future__ import annotations

import logging
from pathlib import Path

from citeqa.ingest import sniff
from citeqa.ingest.errors import IngestError, WrongFileType
from citeqa.ingest.limits import DEFAULT_LIMITS, ParseLimits, check_document_chars
from citeqa.ingest.pdf import PdfText

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".pdf")


def load(path: Path, limits: ParseLimits = DEFAULT_LIMITS) -> tuple[str, str, PdfText | None]:
    """Read ``path``.

    Args:
        path: A .txt, .md or .pdf file.
        limits: What reading it may cost (pages, characters).

    Returns:
        ``(kind, text, pdf)``: kind is "txt", "md" or "pdf"; for a PDF, ``pdf`` holds the page
        spans, headings and metadata its layout gave (None for text files).

    Raises:
        IngestError: unsupported extension, unreadable, empty, undecodable, corrupt or
            encrypted file, or a file whose content is of another type than its name says.
        LimitExceeded: over one of ``limits``.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(path, f"unsupported file type {suffix or '(none)'!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise IngestError(path, "the file is empty")
    actual = sniff.describe(data[: sniff.PDF_HEADER_WINDOW])
    if suffix == ".pdf":
        if not sniff.is_pdf(data):
            found = f"it is {actual}" if actual else f"no {sniff.PDF_MAGIC.decode()} header in its first {sniff.PDF_HEADER_WINDOW:,} bytes"
            raise WrongFileType(path, f"not a PDF: {found}; convert it to PDF (or plain text) first")
        from citeqa.ingest.pdf import extract_pdf

        pdf = extract_pdf(path, data, limits)
        return "pdf", pdf.text, pdf
    if actual is not None:
        raise WrongFileType(path, f"not text: it is {actual}; give it its own extension or convert it to text")
    text = decode_text(path, data)
    check_document_chars(path, len(text), limits)
    return ("md" if suffix != ".txt" else "txt"), text, None


def decode_text(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) text and normalise newlines to ``\\n``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"not UTF-8 text (undecodable byte at offset {exc.start}); re-save it as UTF-8") from exc
    if "\x00" in text:
        raise IngestError(path, "binary content (NUL bytes) in a text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise IngestError(path, "the file has no text")
    return text
