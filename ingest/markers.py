"""In-text citation markers: unicode superscripts (``¹⁻³``), caret groups (``^{10,11}``) and, linked
to a parsed reference list, brackets (``[3, 5–7]``), parenthesised numbers (``(12, 13)``, see
``parentheses``) and author–year mentions (``Smith et al., 2020``)."""

from __future__ import annotations

import re

from citeqa.ingest.models import Citation, CitationKind, Document
from citeqa.ingest.parentheses import parenthesised_citations

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_SUP = f"[{SUPERSCRIPT_DIGITS}]"
_SUP_SEP = "[⁻,\u2013\u2012-]"  # superscript minus, comma, en dash, figure dash, hyphen
_MAX_RANGE = 60

# A superscript run right after a digit (10⁹/L), a sign (10⁻¹⁴) or a unit (mg/m²) is an exponent, not a citation.
_SUPERSCRIPT_RE = re.compile(rf"(?<![0-9{SUPERSCRIPT_DIGITS}⁻⁺])(?<!\bm)(?<!cm)(?<!mm)(?<!km){_SUP}+(?:{_SUP_SEP}{_SUP}+)*")
_CARET_RE = re.compile(r"\^\{\s*(\d{1,3}(?:\s*[,\u2013\u2012-]\s*\d{1,3})*)\s*\}")

MARKER_RE = re.compile(f"{_SUPERSCRIPT_RE.pattern}|{_CARET_RE.pattern}")


def parse_numbers(marker: str) -> list[int]:
    """Turn a marker's body (``¹⁻³``, ``10,11``, ``^{13,14}``) into reference numbers.

    Args:
        marker: The marker text, superscript or ASCII.

    Returns:
        The numbers in order, ranges expanded (``1-3`` → 1, 2, 3), duplicates dropped.
    """
    body = marker.translate(_TO_ASCII).strip("^{} ")
    numbers: list[int] = []
    for part in re.split(r"\s*,\s*", body):
        bounds = [int(x) for x in re.split(r"\s*[\u2013\u2012-]\s*", part) if x.strip().isdigit()]
        if not bounds:
            continue
        lo, hi = bounds[0], bounds[-1]
        span = range(lo, hi + 1) if 0 < hi - lo <= _MAX_RANGE else (lo, hi) if hi != lo else (lo,)
        numbers.extend(n for n in span if n not in numbers)
    return numbers


def find_citations(text: str, start: int = 0, end: int | None = None) -> list[Citation]:
    """Find citation markers in ``text[start:end]``.

    Args:
        text: The document text.
        start: Where to start looking.
        end: Where to stop looking (default: end of text).

    Returns:
        Citations with offsets into ``text``, in order.
    """
    found = []
    for match in MARKER_RE.finditer(text, start, len(text) if end is None else end):
        numbers = parse_numbers(match.group(0))
        if numbers:
            kind = CitationKind.CARET if match.group(0).startswith("^") else CitationKind.SUPERSCRIPT
            found.append(Citation(start=match.start(), end=match.end(), numbers=numbers, kind=kind))
    return found


def strip_markers(s: str) -> str:
    """Remove citation markers (and the space before them) from ``s``.

    Args:
        s: Any text.

    Returns:
        ``s`` without markers: ``"L-MIND ¹³"`` → ``"L-MIND"``.
    """
    return re.sub(rf"[ \t]*(?:{MARKER_RE.pattern})", "", s).strip()


def numbers_in(citations: list[Citation], start: int, end: int) -> list[int]:
    """Return the sorted unique reference numbers of the citations inside ``[start, end)``."""
    return sorted({n for c in citations if start <= c.start and c.end <= end for n in c.numbers})


_BRACKET_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;\u2013\u2012-]\s*\d{1,3})*)\]")
_NAME = r"[A-Z][A-Za-z\u00c0-\u024f'’\-]+"
_AUTHOR_YEAR_RE = re.compile(
    rf"(?P<name>{_NAME})(?:\s+et\s+al\.?|\s+(?:and|&)\s+{_NAME})?,?\s+\(?(?P<year>(?:19|20)\d{{2}}[a-z]?)(?!\d)"
)
_FIRST_NAME_RE = re.compile(rf"\s*(?P<name>{_NAME})")
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}[a-z]?(?!\d)")


def link_citations(doc: Document, body_start: int = 0) -> None:
    """Add the bracket (``[3, 5–7]``), parenthesised (``(12, 13)``) and author–year (``Smith et
    al., 2020``) citations of the body text that resolve to ``doc.references`` to ``doc.citations``
    (kept in text order).

    Superscript markers are found by :func:`find_citations`; brackets are citations only when
    every number is in the numbered reference list; parenthesised numbers only in a document that
    cites so (see :mod:`citeqa.ingest.parentheses`), whose superscripts are then affiliation or
    footnote marks and exponents, not citations; an author–year mention only when its surname and
    year name one unnumbered entry.
    """
    if not doc.references:
        return
    text = doc.text
    refs_start = min(r.start for r in doc.references)
    refs_end = max(r.end for r in doc.references)
    taken = [(c.start, c.end) for c in doc.citations]

    def free(s: int, e: int) -> bool:
        return not (refs_start - 16 <= s < refs_end) and all(e <= a or s >= b for a, b in taken)

    found: list[Citation] = []
    numbered = {r.number for r in doc.references if r.numbered}
    if numbered:
        for m in _BRACKET_RE.finditer(text, body_start):
            numbers = parse_numbers(m.group(1).replace(";", ","))
            if numbers and set(numbers) <= numbered and free(m.start(), m.end()):
                found.append(Citation(m.start(), m.end(), numbers, kind=CitationKind.BRACKET))
        found.extend(_parenthesised(doc, body_start, found, (refs_start - 16, refs_end)))
    keys: dict[tuple[str, str], int] = {}
    for ref in doc.references:
        if ref.numbered:
            continue
        name, year = _FIRST_NAME_RE.match(ref.text), _YEAR_RE.search(ref.text)
        if name and year:
            keys.setdefault((name.group("name").lower(), year.group(0)), ref.number)
    if keys:
        for m in _AUTHOR_YEAR_RE.finditer(text, body_start):
            number = keys.get((m.group("name").lower(), m.group("year")))
            if number is not None and free(m.start(), m.end()):
                found.append(Citation(m.start(), m.end(), [number], kind=CitationKind.AUTHOR_YEAR))
    if any(c.kind == CitationKind.PARENTHESIS for c in found):
        doc.citations = [c for c in doc.citations if c.kind != CitationKind.SUPERSCRIPT]
    if found:
        doc.citations = sorted([*doc.citations, *found], key=lambda c: c.start)


def _parenthesised(doc: Document, body_start: int, brackets: list[Citation], refs: tuple[int, int]) -> list[Citation]:
    """The parenthesised citations of a document that cites so (none when it cites otherwise)."""
    numbered = {r.number for r in doc.references if r.numbered}
    if set(range(1, max(numbered) + 1)) - numbered:
        return []  # the list has gaps: its N is not known
    linked = [c for c in [*doc.citations, *brackets] if c.start >= body_start and c.numbers and set(c.numbers) <= numbered]
    skip = [refs, *((t.start, t.end) for t in doc.tables)]
    # From the start: a byline's marks are not parenthesised, and text read before the body's
    # first heading (PNAS's introduction, before its Significance box) cites too.
    return parenthesised_citations(doc.text, max(numbered), 0, skip=skip, competing=len(linked))
