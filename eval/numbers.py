"""Number, unit and text normalisation shared by the eval scorers.

"34%", "34 percent", 34 and the fraction 0.34 are one value when the unit is percent;
"20%-40%", "20%–40%" and "20% to 40%" are one range; "NCT 04637763" equals "NCT04637763".
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# Units, normalised. Unknown units are kept as written (lower-cased) and never block a match.
_UNIT_ALIASES = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "pct": "%",
    "month": "months",
    "months": "months",
    "mo": "months",
    "mos": "months",
    "mths": "months",
    "day": "days",
    "days": "days",
    "d": "days",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "year": "years",
    "years": "years",
    "yr": "years",
    "yrs": "years",
    "y": "years",
    "patient": "patients",
    "patients": "patients",
    "pts": "patients",
    "pt": "patients",
    "n": "patients",
    "cm": "cm",
    "mm": "mm",
    "cycle": "cycles",
    "cycles": "cycles",
}
KNOWN_UNITS = frozenset(_UNIT_ALIASES.values())

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_UNIT_WORDS = (
    r"%|per\s?cent\b|percent\b|months?\b|mos?\b|mths\b|days?\b|weeks?\b|years?\b|yrs?\b"
    r"|patients?\b|pts\b|cm\b|mm\b|cycles?\b"
)
_UNIT = rf"(?:\s?(?:{_UNIT_WORDS})|-(?:months?|days?|weeks?|years?|cm)\b)"
_DASH = r"\s?(?:-|–|—|‒|to)\s?"
# A number may not be glued to a preceding letter (CD19, NCT05664217, IgG4) nor to a
# letter-hyphen prefix (LOTIS-2, ZUMA-7, KITE-363), nor followed by a letter (501A).
_START = r"(?<![A-Za-z0-9.,])(?<![A-Za-z]-)"
_RANGE_RE = re.compile(
    rf"{_START}(?P<lo>{_NUM})(?P<u1>\s?(?:%|per\s?cent\b|percent\b))?{_DASH}(?P<hi>{_NUM})(?P<u2>{_UNIT})?(?![0-9])(?![A-Za-z])"
)
_SINGLE_RE = re.compile(rf"{_START}(?P<n>{_NUM})(?P<u>{_UNIT})?(?![0-9])(?![A-Za-z])")
# Spans that hold numbers that are not figures: table/figure labels and reference markers.
_LABEL_RE = re.compile(
    r"\b(?:Table|Tables|Figure|Figures|Fig\.?)\s*\d+[A-Za-z]?"
    r"|\b(?:refs?\.?|references?)\s*\d+(?:\s*(?:,|-|–|and)\s*\d+)*"
    r"|\[\s*\d+(?:\s*(?:,|-|–)\s*\d+)*\s*\]",
    re.IGNORECASE,
)
_ANY_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
# In-text citation markers: superscripts (¹⁻³, ²¹) and the ^{10,11} form.
_SUPERSCRIPT_RE = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾,]*[⁰¹²³⁴⁵⁶⁷⁸⁹]+[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾]*|\^\{[^}]*\}")


@dataclass(frozen=True)
class Quantity:
    """A number or a range found in text; ``number`` is None for a range."""

    number: float | None
    unit: str | None = None
    low: float | None = None
    high: float | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None


def normalise_unit(unit: str | None) -> str | None:
    """Map a unit spelling to its canonical form ("percent" → "%", "mo" → "months").

    Args:
        unit: The unit as written, or None.

    Returns:
        The canonical unit, the lower-cased input when unknown, or None when empty.
    """
    if unit is None:
        return None
    key = re.sub(r"\s+", " ", unit.strip().lower().lstrip("-").strip())
    if not key:
        return None
    return _UNIT_ALIASES.get(key, key)


def units_compatible(expected: str | None, got: str | None) -> bool:
    """True unless both units are known canonical units and they differ."""
    a, b = normalise_unit(expected), normalise_unit(got)
    if a is None or b is None or a not in KNOWN_UNITS or b not in KNOWN_UNITS:
        return True
    return a == b


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def mask_labels(text: str) -> str:
    """Blank out "Table 2", "Figure 1", "ref 21", "[20, 21]", "¹⁻³", "^{10,11}" so their digits are not figures."""
    text = _SUPERSCRIPT_RE.sub(lambda m: " " * len(m.group(0)), text)
    return _LABEL_RE.sub(lambda m: " " * len(m.group(0)), text)


def parse_quantities(text: str) -> list[Quantity]:
    """Read the figures stated in ``text``, in order.

    Ranges ("20%-40%", "52% to 82%") come out as one Quantity with ``low``/``high``;
    table/figure labels, reference markers and digits inside names (CD19, LOTIS-2,
    NCT numbers) are skipped.

    Args:
        text: Free text such as an answer string.

    Returns:
        The quantities found, in order of appearance.
    """
    text = unicodedata.normalize("NFKC", mask_labels(text or ""))
    found: list[tuple[int, Quantity]] = []
    taken: list[tuple[int, int]] = []
    for m in _RANGE_RE.finditer(text):
        lo, hi = _to_float(m.group("lo")), _to_float(m.group("hi"))
        if lo > hi:  # "2238-2247" is a range, "12-5" is not
            continue
        unit = normalise_unit(m.group("u2") or m.group("u1"))
        found.append((m.start(), Quantity(None, unit, lo, hi)))
        taken.append((m.start(), m.end()))
    for m in _SINGLE_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        found.append((m.start(), Quantity(_to_float(m.group("n")), normalise_unit(m.group("u")))))
    return [q for _, q in sorted(found, key=lambda item: item[0])]


def numbers_in(text: str) -> list[float]:
    """Every figure in ``text`` as a flat list (range ends included), labels and names skipped."""
    out: list[float] = []
    for q in parse_quantities(text):
        if q.is_range:
            out.extend([q.low, q.high])  # type: ignore[list-item]
        elif q.number is not None:
            out.append(q.number)
    return out


def all_digit_runs(text: str) -> set[float]:
    """Every digit run in ``text`` (liberal: used for the quoted side of grounding)."""
    text = unicodedata.normalize("NFKC", text or "").replace(",", "")
    return {float(m.group(0)) for m in _ANY_NUMBER_RE.finditer(text)}


def close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    """Relative comparison with an absolute floor for values near zero."""
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=1e-9)


def same_value(
    expected: float,
    got: float | None,
    *,
    unit: str | None = None,
    got_unit: str | None = None,
    tolerance: float = 1e-6,
) -> bool:
    """Compare a figure with an expected one, treating a fraction as a percent.

    When the expected unit is "%" and the answer's value carries no percent unit and
    lies in [0, 1], it is also tried multiplied by 100 (0.34 ≈ 34%).

    Args:
        expected: The expected number.
        got: The answered number (None never matches).
        unit: The expected unit, if any.
        got_unit: The answered unit, if any.
        tolerance: Relative tolerance.

    Returns:
        Whether the two are the same value.
    """
    if got is None or not units_compatible(unit, got_unit):
        return False
    if close(expected, got, tolerance):
        return True
    if normalise_unit(unit) == "%" and normalise_unit(got_unit) != "%" and 0 <= got <= 1:
        return close(expected, got * 100, tolerance)
    return False


def normalise_text(text: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form ("NCT 04637763" → "nct04637763").

    Whitespace, hyphens/dashes, dots, commas, semicolons, asterisks and quotes are dropped;
    other characters (":" in "2:1", "/" in "CD19/CD20") are kept.
    """
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    return re.sub(r"[\s\-‐‑‒–—._,;*'\"`´()]+", "", text)


def text_contains(haystack: str, needle: str) -> bool:
    """Normalised substring test (see :func:`normalise_text`)."""
    n = normalise_text(needle)
    return bool(n) and n in normalise_text(haystack)
