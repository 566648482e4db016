"""PDF extraction: layout-aware text with pypdfium2 (PDFium), page spans kept, metadata read.

Stages: ``pdf_chars`` (glyphs with boxes and fonts → lines and segments), ``pdf_layout``
(running headers/footers and line numbers removed, columns and reading order), ``pdf_text``
(paragraphs, headings, tables and reference entries as text, hyphenation and ligatures
repaired, superscript markers as Unicode superscripts). This module opens the file, reports
what cannot be read (an :class:`IngestError` naming the file and the cause) and what can only
partly be read (a warning per page without a text layer), and reads title, authors, journal,
year and DOI from the PDF's metadata checked against its first page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.ingest.errors import IngestError
from citeqa.ingest.pdf_chars import MIN_SIDEWAYS, Line, group_lines, page_chars
from citeqa.ingest.pdf_layout import Page, body_size, remove_furniture
from citeqa.ingest.pdf_text import Emitter, line_text, safe_nfkc

logger = logging.getLogger(__name__)

PAGE_JOIN = "\n\n"
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_JUNK_TITLE_RE = re.compile(r"^(?:untitled|title|microsoft word\b.*|.*\.(?:docx?|pdf|tex|indd)|[\w-]*\d[\w-]*(?:\s+\d+\.\.\d+)?|\W*)$", re.IGNORECASE)
_NOT_TITLE_RE = re.compile(r"https?://|www\.|\bdoi\b|©|\bcopyright\b|\blicen[cs]e\b|@", re.IGNORECASE)
_TITLE_SIZE = 1.15
_MIN_SIDEWAYS_LINES = 4  # a title is set at least this much larger than the body text


@dataclass
class PdfText:
    """What :func:`extract_pdf` returns: the text, page spans and layout facts."""

    text: str
    pages: list[tuple[int, int]]
    headings: list[tuple[int, int, int]] = field(default_factory=list)  # start, end, level
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


def extract_pdf(path: Path, data: bytes) -> PdfText:
    """Extract the text of a PDF in reading order.

    Args:
        path: The file (for messages).
        data: Its bytes.

    Returns:
        The :class:`PdfText`; ``pages[i]`` is the (start, end) of page i+1 in ``text``.

    Raises:
        IngestError: corrupt, encrypted or empty PDF, or one without any text layer.
    """
    pdf = _open(path, data)
    try:
        if len(pdf) == 0:
            raise IngestError(path, "the PDF has no pages")
        pages, warnings = _read_pages(path, pdf)
        metadata = _metadata(pdf)
    finally:
        pdf.close()
    if not any(p.lines for p in pages if not p.margin):
        raise IngestError(path, "no extractable text in the PDF (scanned images? run OCR first)")
    body = body_size([p for p in pages if not p.margin])
    first_page = list(pages[0].lines)  # before its running header goes: it often names the journal
    dropped = remove_furniture(pages)
    pages = [page for page in pages if not page.margin]
    emitted = Emitter(pages, body).run()
    out = PdfText(text=emitted.text, pages=emitted.pages, headings=emitted.headings, warnings=warnings)
    _front_matter(out, metadata, pages[0].lines, body)
    journal, year = _journal(first_page)
    out.journal = out.journal or journal
    out.year = year or out.year  # the year the journal line gives beats a year in the text
    if out.doi is None:  # in a running header, gone from the text
        doi = _DOI_RE.search(" ".join(line_text(ln) for ln in first_page))
        out.doi = doi.group(1) if doi else None
    logger.debug("%s: %d pages, %d chars, %d furniture lines dropped", path.name, len(pages), len(out.text), dropped)
    return out


def _read_pages(path: Path, pdf) -> tuple[list[Page], list[str]]:  # noqa: ANN001
    pages: list[Page] = []
    warnings: list[str] = []
    for index in range(len(pdf)):
        number = index + 1
        try:
            page = pdf[index]
            groups, has_text = page_chars(page)
            page.close()
        except Exception as exc:  # noqa: BLE001 - one bad page should not sink the document
            message = f"{path.name} page {number}: text extraction failed ({type(exc).__name__}: {exc})"
            logger.warning(message)
            warnings.append(message)
            pages.append(Page(number, 0, 0, [], False))
            continue
        parts = [Page(number, w, h, group_lines(chars, number), has_text) for chars, (w, h) in groups]
        # Sideways text of some length (a landscape table) is a part of its own; a margin note
        # only tells furniture apart (it is repeated on other pages, set upright there).
        for part, (chars, _) in zip(parts[1:], groups[1:]):
            part.margin = len(part.lines) < _MIN_SIDEWAYS_LINES or len(chars) < MIN_SIDEWAYS
        if not any(part.lines for part in parts if not part.margin):
            message = f"{path.name} page {number}: no text layer (a scanned image?); its text is missing — run OCR to include it"
            logger.warning(message)
            warnings.append(message)
        pages.extend(part for part in parts if part.lines or part is parts[0])
    return pages, warnings


def _metadata(pdf) -> dict[str, str]:  # noqa: ANN001
    try:
        return {k: safe_nfkc(str(v)).strip() for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
    except Exception:  # noqa: BLE001 - metadata is optional
        return {}


# --- front matter ------------------------------------------------------------------------

_NAME = r"(?P<journal>[A-Z][\w&.’'()\- ]{1,60}?)"
_JOURNAL_RES = (
    # "Diabetologia (2024) 67:940–951", "Nucleic Acids Research, 2024, 52, 6614", "G3, 2024, 14(3)"
    re.compile(rf"^{_NAME}\s*,?\s*\((?:19|20)\d{{2}}\)\s*[,;:]?\s*\d"),
    re.compile(rf"^{_NAME}\s*,\s*(?:19|20)\d{{2}}\s*[,;]\s*\d"),
    # "FEBS Letters 589 (2015) 3–14", "Postgrad Med J 2010;86:272"
    re.compile(rf"^{_NAME}\s+\d{{1,4}}\s*\((?:19|20)\d{{2}}\)"),
    re.compile(rf"^{_NAME}\s+(?:19|20)\d{{2}}\s*;\s*\d+"),
)


def _journal(lines: list[Line]) -> tuple[str | None, int | None]:
    """The journal and year of a citation line at the top of the first page ("Journal (Year) Vol")."""
    top = sorted(lines, key=lambda ln: ln.top)[:12]
    for line in top:
        text = " ".join(line_text(line).split())
        text = re.sub(r"^.*?\bet al\.\s*", "", text)  # "Gersing et al. Genome Biology (2023) 24:97"
        for pattern in _JOURNAL_RES:
            match = pattern.match(text)
            if match and not re.search(r"\b(?:doi|https?|www)\b", match.group("journal"), re.IGNORECASE):
                year = _YEAR_RE.search(text, match.end("journal"))
                return match.group("journal").strip(" ,;"), int(year.group(1)) if year else None
    return None, None


def _title_candidates(lines: list[Line], min_size: float) -> list[tuple[float, str, list[Line]]]:
    """Runs of consecutive lines of one font size (at least ``min_size``) of the first page, largest first."""
    ordered = sorted(lines, key=lambda ln: (ln.top, ln.x0))
    runs: list[list[Line]] = []
    for ln in ordered:
        if ln.size < min_size:
            continue
        if runs and abs(runs[-1][-1].size - ln.size) < 0.6 and runs[-1][-1].bold == ln.bold and -0.6 * ln.size <= ln.top - runs[-1][-1].bottom < 1.2 * ln.size:
            runs[-1].append(ln)
        else:
            runs.append([ln])
    out = []
    for run in runs:
        text = " ".join(line_text(ln) for ln in run)
        text = re.sub(r"(\w)[-\u2010] (\w)", r"\1-\2", " ".join(text.split()))
        words = text.split()
        if 3 <= len(words) <= 50 and not _NOT_TITLE_RE.search(text) and sum(c.isalpha() for c in text) > 0.6 * len(text):
            out.append((run[0].size, text, run))
    return sorted(out, key=lambda c: -c[0])


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", s.lower()).split())


def _confirmed_title(meta_title: str, lines: list[Line]) -> str | None:
    """The consecutive first-page lines that spell the metadata title (which is often cut
    short or differently hyphenated), or None when the page does not show it."""
    from rapidfuzz import fuzz

    target = _norm(meta_title)
    ordered = [line_text(ln) for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0))]
    best, best_score = None, 0.0
    for i, first in enumerate(ordered):
        if fuzz.partial_ratio(_norm(first), target) < 90:
            continue
        text = first
        score = fuzz.ratio(_norm(text), target)
        for nxt in ordered[i + 1 : i + 6]:
            longer = re.sub(r"(\w)[-\u2010\u2011] (\w)", r"\1-\2", f"{text} {nxt}")
            longer_score = fuzz.ratio(_norm(longer), target)
            if longer_score <= score:
                break
            text, score = longer, longer_score
        if score > best_score:
            best, best_score = text, score
    return " ".join(best.split()) if best is not None and best_score >= 85 else None


def _front_matter(out: PdfText, meta: dict[str, str], first_page: list[Line], body: float) -> None:
    candidates = _title_candidates(first_page, body * _TITLE_SIZE)
    meta_title = meta.get("Title", "")
    usable_meta = bool(meta_title) and not _JUNK_TITLE_RE.match(meta_title) and len(meta_title.split()) >= 2
    title = None
    if usable_meta:
        # The metadata title, confirmed (and completed: metadata is often cut) by first-page text.
        title = _confirmed_title(meta_title, first_page)
    if title is None and not candidates:
        # No larger type: the first bold run of the page's upper half, else its first run.
        upper = [ln for ln in first_page if ln.top < 0.5 * max((x.bottom for x in first_page), default=1)]
        runs = sorted(_title_candidates(upper, body * 0.95), key=lambda c: c[2][0].top)
        candidates = [c for c in runs if all(ln.bold for ln in c[2])] or runs
    if title is None and candidates:
        title = candidates[0][1]
    out.title = title or (meta_title if usable_meta else None)
    author = meta.get("Author", "")
    if author and " " in author.strip() and not re.search(r"administrator|user|^\W*$", author, re.IGNORECASE):
        author = re.sub(r"\s*\{?\bet al\.?\}?", "", author)
        out.authors = [a.strip() for a in re.split(r"\s*(?:;|,| and |&)\s*", author) if a.strip() and " " in a.strip()]
    first_text = " ".join(line_text(ln) for ln in sorted(first_page, key=lambda ln: (ln.top, ln.x0)))
    doi = _DOI_RE.search(meta.get("Subject", "") + " " + meta.get("doi", "")) or _DOI_RE.search(first_text)
    out.doi = doi.group(1) if doi else None
    years = [int(y) for y in _YEAR_RE.findall(meta.get("Subject", ""))] or [
        int(y) for y in _YEAR_RE.findall(first_text[:3000]) if 1900 <= int(y) <= 2100
    ]
    if not years and meta.get("CreationDate", "")[2:6].isdigit():
        years = [int(meta["CreationDate"][2:6])]
    out.year = max(set(years), key=years.count) if years else None
    subject = meta.get("Subject", "")
    journal = re.match(r"^([A-Z][^,;0-9()]{3,80}?)[,;]?\s*(?:\(?\d{4}\)?|\d+\s*[:(])", subject)
    out.journal = journal.group(1).strip() if journal else None
