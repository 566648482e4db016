"""PDF extraction: layout-aware text with pypdfium2 (PDFium), page spans kept, metadata read.

Stages: ``pdf_chars`` (glyphs with boxes and fonts → lines and segments), ``pdf_layout``
(running headers/footers and line numbers removed, columns and reading order), ``pdf_text``
(paragraphs, headings, tables and reference entries as text, hyphenation and ligatures
repaired, superscript markers as Unicode superscripts). This module opens the file, reports
what cannot be read (an :class:`IngestError` naming the file and the cause) and what can only
partly be read (a warning per page without a text layer); ``pdf_front`` reads title, authors,
journal, year and DOI from the PDF's metadata and first pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.ingest.errors import IngestError
from citeqa.ingest.limits import DEFAULT_LIMITS, Limit, LimitExceeded, ParseLimits, check_document_chars
from citeqa.ingest.pdf_chars import MIN_SIDEWAYS, Line, PageOverLimit, group_lines, page_chars
from citeqa.ingest.pdf_front import FrontMatter, is_cover_page, read_front_matter
from citeqa.ingest.pdf_layout import Page, body_size, remove_furniture
from citeqa.ingest.pdf_text import Emitter, safe_nfkc

logger = logging.getLogger(__name__)

_MIN_SIDEWAYS_LINES = 4


@dataclass
class PdfText:
    """What :func:`extract_pdf` returns: the text, page spans and layout facts."""

    text: str
    pages: list[tuple[int, int]]
    headings: list[tuple[int, int, int]] = field(default_factory=list)  # start, end, level
    front_end: int = 0  # end of the front matter (title, byline, affiliations)
    main_text: int | None = None  # start of an unheaded body after an abstract set in another style
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    warnings: list[str] = field(default_factory=list)


def _open(path: Path, data: bytes):  # noqa: ANN202 - pypdfium2.PdfDocument
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise IngestError(path, "the PDF is encrypted (password protected); save an unprotected copy") from exc
        raise IngestError(path, f"corrupt or unreadable PDF ({message})") from exc
    except Exception as exc:  # noqa: BLE001 - PDFium may fail in many ways on a damaged file
        raise IngestError(path, f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc


def extract_pdf(path: Path, data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> PdfText:
    """Extract the text of a PDF in reading order.

    Args:
        path: The file (for messages).
        data: Its bytes.
        limits: Most pages, characters per page and characters in all.

    Returns:
        The :class:`PdfText`; ``pages[i]`` is the (start, end) of page i+1 in ``text``.

    Raises:
        LimitExceeded: too many pages, or characters on a page or in all (checked before
            the page's layout is read).
        IngestError: corrupt, encrypted or empty PDF, or one without any text layer.
    """
    pdf = _open(path, data)
    try:
        if len(pdf) == 0:
            raise IngestError(path, "the PDF has no pages")
        if len(pdf) > limits.max_pages:
            raise LimitExceeded(path, Limit.pages, f"the PDF has {len(pdf):,} pages", f"{limits.max_pages:,} pages")
        pages, warnings = _read_pages(path, pdf, limits)
        metadata = _metadata(pdf)
        raw = (_plain_text(pdf, 0), _plain_text(pdf, len(pdf) - 1))
    finally:
        pdf.close()
    if not any(p.lines for p in pages if not p.margin):
        raise IngestError(path, "no extractable text in the PDF (scanned images? run OCR first)")
    body = body_size([p for p in pages if not p.margin])
    # The first two pages' lines before running headers go: they name the journal.
    early = [list(p.lines) for p in pages if p.number <= pages[0].number + 1 and not p.margin]
    dropped = remove_furniture(pages)
    pages = [page for page in pages if not page.margin]
    front = _front_matter(pages, metadata, early, raw, body)
    emitted = Emitter(pages, body, front.holds, front.title).run()
    check_document_chars(path, len(emitted.text), limits)
    out = PdfText(
        text=emitted.text, pages=emitted.pages, headings=emitted.headings, front_end=emitted.front_end,
        main_text=emitted.main_text, title=front.title, authors=front.authors, journal=front.journal, year=front.year,
        doi=front.doi, warnings=warnings + [f"{path.name} {note}" for note in emitted.notes],
    )
    logger.debug("%s: %d pages, %d chars, %d furniture lines dropped", path.name, len(pages), len(out.text), dropped)
    return out


def _front_matter(
    pages: list[Page], metadata: dict[str, str], early: list[list[Line]], raw: tuple[str, str], body: float
) -> FrontMatter:
    """Read the front matter and drop the first page's furniture from ``pages`` (all of a cover
    page: the front matter is then the next page's, the title and byline the cover's)."""
    front = read_front_matter(metadata, pages[0].lines, early, raw, body)
    following = [page for page in pages if page.number == pages[0].number + 1]
    if following and is_cover_page(front, pages[0].lines, following[0].lines):
        cover, pages[0].lines = front, []
        front = read_front_matter(metadata, following[0].lines, early, raw, body)
        front.title, front.authors = cover.title, cover.authors or front.authors
        front.journal, front.year, front.doi = cover.journal, cover.year or front.year, cover.doi or front.doi
    for page in pages[:3]:
        page.lines = [ln for ln in page.lines if not front.is_furniture(ln)]
    return front


def _read_pages(path: Path, pdf, limits: ParseLimits) -> tuple[list[Page], list[str]]:  # noqa: ANN001
    pages: list[Page] = []
    failed: list[int] = []
    blank: list[int] = []
    characters = 0
    for index in range(len(pdf)):
        number = index + 1
        try:
            page = pdf[index]
            groups, has_text = page_chars(page, limits.max_page_chars)
            page.close()
        except PageOverLimit as exc:
            raise LimitExceeded(path, Limit.page_chars, f"page {number} holds {exc.count:,} characters",
                                f"{limits.max_page_chars:,} per page") from exc
        except Exception as exc:  # noqa: BLE001 - one bad page should not sink the document
            logger.debug("%s page %d: text extraction failed (%s: %s)", path.name, number, type(exc).__name__, exc)
            failed.append(number)
            pages.append(Page(number, 0, 0, [], False))
            continue
        characters += sum(len(chars) for chars, _ in groups)
        check_document_chars(path, characters, limits)
        parts = [Page(number, w, h, group_lines(chars, number), has_text) for chars, (w, h) in groups]
        # Sideways text of some length (a landscape table) is a part of its own; a margin note
        # only tells furniture apart (it is repeated on other pages, set upright there).
        for part, (chars, _) in zip(parts[1:], groups[1:]):
            part.margin = len(part.lines) < _MIN_SIDEWAYS_LINES or len(chars) < MIN_SIDEWAYS
        if not any(part.lines for part in parts if not part.margin):
            blank.append(number)
        pages.extend(part for part in parts if part.lines or part is parts[0])
    warnings = []
    if failed:
        warnings.append(f"{path.name} {_pages_phrase(failed)}: text extraction failed; that text is missing")
    if blank:
        warnings.append(
            f"{path.name} {_pages_phrase(blank)}: no text layer (a scanned image?); that text is missing — run OCR to include it"
        )
    for warning in warnings:
        logger.info(warning)
    return pages, warnings


MAX_LISTED_RANGES = 10  # a warning names this many page ranges, then counts the rest (no log floods)


def _pages_phrase(numbers: list[int]) -> str:
    """``"page 3"``, ``"pages 3, 5–9"`` or ``"pages 3, 5–9, … (412 pages)"``."""
    ranges: list[list[int]] = []
    for n in numbers:
        if ranges and n == ranges[-1][1] + 1:
            ranges[-1][1] = n
        else:
            ranges.append([n, n])
    shown = [str(a) if a == b else f"{a}–{b}" for a, b in ranges[:MAX_LISTED_RANGES]]
    more = f", … ({len(numbers):,} pages)" if len(ranges) > MAX_LISTED_RANGES else ""
    return f"{'page' if len(numbers) == 1 else 'pages'} {', '.join(shown)}{more}"


def _plain_text(pdf, index: int) -> str:  # noqa: ANN001
    """PDFium's own text of a page (in content order), or "" when it cannot be read."""
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
            page.close()
    except Exception:  # noqa: BLE001 - only the DOI is looked for in it
        return ""


def _metadata(pdf) -> dict[str, str]:  # noqa: ANN001
    try:
        return {k: safe_nfkc(str(v)).strip() for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}


