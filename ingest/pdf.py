"""PDF text extraction with pypdf, keeping each page's span in the joined text.

Pages are extracted in pypdf's *layout* mode, which keeps table columns apart (runs of
2+ spaces) and paragraph gaps (blank lines); lines are right-stripped, the page's common
indentation is removed and runs of blank lines are collapsed to one. A page whose layout
text looks like two columns side by side falls back to plain extraction. Pages are
joined with a blank line.
"""

from __future__ import annotations

import io
import logging
import re
import textwrap
from pathlib import Path

from citeqa.ingest.errors import IngestError

logger = logging.getLogger(__name__)

PAGE_JOIN = "\n\n"
_GUTTER_RE = re.compile(r"\S {4,}\S")
_TWO_COLUMN_SHARE = 0.5


def extract_pdf(path: Path, data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """Extract the text of a PDF.

    Args:
        path: The file (for error messages).
        data: Its bytes.

    Returns:
        ``(text, pages)`` with ``pages[i]`` the (start, end) of page i+1 in ``text``.

    Raises:
        IngestError: corrupt, encrypted or image-only PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(path, "the PDF is encrypted (password protected); save an unprotected copy")
        pages = list(reader.pages)
    except IngestError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf can raise almost anything on a damaged file
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc

    texts = [_page_text(path, page, n) for n, page in enumerate(pages, start=1)]
    if not any(t.strip() for t in texts):
        raise IngestError(path, "no extractable text in the PDF (scanned images? run OCR first)")
    text, spans, pos = "", [], 0
    for n, page_text in enumerate(texts):
        if n:
            text += PAGE_JOIN
            pos += len(PAGE_JOIN)
        spans.append((pos, pos + len(page_text)))
        text += page_text
        pos += len(page_text)
    logger.debug("%s: %d pages, %d chars", path.name, len(spans), len(text))
    return text, spans


def _page_text(path: Path, page: object, number: int) -> str:
    try:
        raw = page.extract_text(extraction_mode="layout")  # type: ignore[attr-defined]
        text = normalise_layout(raw)
        if _looks_two_column(text):
            logger.debug("%s page %d: two columns, using plain extraction", path.name, number)
            text = normalise_layout(page.extract_text())  # type: ignore[attr-defined]
        return text
    except Exception as exc:  # one bad page should not sink the document
        logger.warning("%s page %d: text extraction failed (%s)", path.name, number, exc)
        try:
            return normalise_layout(page.extract_text())  # type: ignore[attr-defined]
        except Exception:
            return ""


def normalise_layout(raw: str) -> str:
    """Right-strip lines, remove common indentation, collapse blank-line runs, trim."""
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = textwrap.dedent("\n".join(lines))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def _looks_two_column(text: str) -> bool:
    """True when most lines hold a wide gap that is not a table row."""
    lines = [line for line in text.split("\n") if len(line.strip()) > 40]
    if len(lines) < 10:
        return False
    gutters = [line for line in lines if _GUTTER_RE.search(line.strip()) and len(re.split(r" {2,}", line.strip())) == 2]
    return len(gutters) / len(lines) > _TWO_COLUMN_SHARE
