"""Find the quantities a sentence or table cell states: values, ranges, units."""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.qa.vocabulary import UNIT_PATTERNS

_NUM = r"\d+(?:\.\d+)?"
# A number that is not part of a name (CD19, ZUMA-7, IgG4), a ratio (2:1) or a phase (1/2).
_NUMBER = re.compile(rf"(?<![\w./:×+])(?<![A-Za-z]-)(?<![A-Za-z]-\d)({_NUM})(?![\w/:×]|\.\d|-(?:\d|[A-Za-z]+\d))")
_RANGE_JOIN = re.compile(r"^\s?(%|\s?percent)?\s?(?:-|–|—|to|through)\s?$", re.IGNORECASE)
_N_EQUALS = re.compile(rf"\bn\s?=\s?({_NUM})", re.IGNORECASE)
_NOT_A_VALUE_BEFORE = re.compile(r"(?:phase|grade|stage|type|cycle|line|version|NCT|ECOG|step|figure|table|fig\.?)\s?$", re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\bday\s$", re.IGNORECASE)
_LANDMARK = re.compile(r"^[\s-](?:year|month)s?\b\s*(?:OS|PFS|EFS|overall|progression|event|survival|nonrelapse|non-relapse|NRM|GRFS|cumulative|incidence|rates?|landmark)", re.IGNORECASE)


@dataclass
class NumberMention:
    """A quantity in a text: ``text[start:end]`` is its verbatim wording."""

    value: float
    start: int
    end: int
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    explicit_n: bool = False

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None


def _unit_after(text: str, pos: int) -> tuple[str | None, int]:
    tail = text[pos : pos + 40]
    for unit, pattern in UNIT_PATTERNS:
        match = pattern.match(tail)
        if match:
            # A count's unit word (patients) is context, not part of the number's own text.
            end = pos + (match.end() if unit in {"%", "months", "years", "years-old", "weeks", "days", "cm", "mm"} else 0)
            return unit, end
    return None, pos


def find_numbers(text: str) -> list[NumberMention]:
    """Return the quantities stated in ``text``, ranges merged, landmarks (1-year OS) skipped.

    Args:
        text: A sentence, clause or table cell.

    Returns:
        Mentions with offsets relative to ``text``.
    """
    mentions: list[NumberMention] = []
    n_spans = {m.start(1): m for m in _N_EQUALS.finditer(text)}
    for match in _NUMBER.finditer(text):
        start, end = match.span(1)
        before = text[max(0, start - 12) : start]
        if _NOT_A_VALUE_BEFORE.search(before):
            continue
        if _LANDMARK.match(text[end : end + 40]):
            continue
        value = float(match.group(1))
        if start in n_spans:
            mentions.append(NumberMention(value, start, end, unit="count", explicit_n=True))
            continue
        unit, unit_end = _unit_after(text, end)
        if unit is None and _DAY_BEFORE.search(text[max(0, start - 5) : start]):
            unit = "days"
        mentions.append(NumberMention(value, start, max(end, unit_end), unit=unit))
    return _merge_ranges(text, mentions)


_VERSUS = re.compile(r"^\s?(?:vs\.?|versus|compared with|and)\s", re.IGNORECASE)


def _merge_ranges(text: str, mentions: list[NumberMention]) -> list[NumberMention]:
    for cur, nxt in zip(mentions, mentions[1:]):
        if cur.unit is None and nxt.unit and _VERSUS.match(text[cur.end : nxt.start]):
            cur.unit = nxt.unit
    merged: list[NumberMention] = []
    i = 0
    while i < len(mentions):
        cur = mentions[i]
        if i + 1 < len(mentions):
            nxt = mentions[i + 1]
            joinable = _RANGE_JOIN.match(text[cur.end : nxt.start]) is not None
            same_unit = cur.unit in (None, nxt.unit) and not cur.explicit_n and not nxt.explicit_n
            if joinable and same_unit and nxt.value >= cur.value:
                merged.append(
                    NumberMention(cur.value, cur.start, nxt.end, unit=nxt.unit, low=cur.value, high=nxt.value)
                )
                i += 2
                continue
        merged.append(cur)
        i += 1
    return merged


def format_number(value: float) -> str:
    """Format a float the way a paper would print it (34.0 → "34", 9.7 → "9.7")."""
    return f"{value:g}"
