"""In-text citation markers: unicode superscripts (``¹⁻³``) and caret groups (``^{10,11}``)."""

from __future__ import annotations

import re

from citeqa.ingest.models import Citation

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TO_ASCII = str.maketrans(SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_SUP = f"[{SUPERSCRIPT_DIGITS}]"
_SUP_SEP = "[⁻,\u2013\u2012-]"  # superscript minus, comma, en dash, figure dash, hyphen
_MAX_RANGE = 60

# A superscript run right after a digit (10⁹/L) or a unit (mg/m²) is an exponent, not a citation.
_SUPERSCRIPT_RE = re.compile(rf"(?<![0-9{SUPERSCRIPT_DIGITS}])(?<!\bm)(?<!cm)(?<!mm)(?<!km){_SUP}+(?:{_SUP_SEP}{_SUP}+)*")
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
            found.append(Citation(start=match.start(), end=match.end(), numbers=numbers))
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
