"""Find the quantities a sentence or table cell states: values, ranges, units, confidence intervals,
p-values, "n/N (%)" and "x of y" counts.

What counts as a unit, a landmark ("1-year OS") or a non-value ("phase 2", "grade 3") comes from
the domain pack (:class:`~citeqa.qa.vocabulary.Vocabulary`); the number shapes are generic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.qa.vocabulary import Vocabulary

_MINUS = "-−–"
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?"
# A number that is not part of a name (CD19, ZUMA-7, IgG4), a ratio (2:1) or a phase (1/2).
_NUMBER = re.compile(
    rf"(?P<sign>(?<![^\s(\[=:,;])[−-](?=\d))?(?<![\w./:×+^])(?<![A-Za-z]-)(?<![A-Za-z]-\d)(?P<num>{_NUM})"
    rf"(?![\w/:×]|\.\d|-(?:\d|[A-Za-z]+\d))"
)
_RANGE_JOIN = re.compile(r"^\s?(%|\s?percent)?\s?(?:-|–|—|to|through)\s?$", re.IGNORECASE)
_WORDED_JOIN = r"\s(?:or|to)\s"
"""What joins two numbers in words into a range: "three or four nurses", "five to six weeks"."""
_WORDED_OR = re.compile(rf"^{_WORDED_JOIN}$", re.IGNORECASE)
_UNITS_WORDS = ("two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                "seventeen eighteen nineteen").split()
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_VALUES = {w: float(i) for i, w in enumerate(_UNITS_WORDS, start=2)} | {
    w: float(10 * i) for i, w in enumerate(_TENS_WORDS, start=2)}
_WORDED = re.compile(
    rf"(?<![\w-])(?P<tens>{'|'.join(_TENS_WORDS)})(?:-(?P<ones>one|two|three|four|five|six|seven|eight|nine))?(?![\w-])|"
    rf"(?<![\w-])(?P<word>one|{'|'.join(_UNITS_WORDS)})(?![\w-])", re.IGNORECASE)
_WORDED_RANGE = re.compile(rf"{_WORDED_JOIN}(?:{'|'.join(_TENS_WORDS + _UNITS_WORDS)})\b", re.IGNORECASE)
_COUNTED = re.compile(r"\s+(?:[a-z][a-z-]*\s+)?[a-z]{2,}s\b")
BRACKET_MARKER = re.compile(r"\[\d+(?:\s?[,–-]\s?\d+)*\]")
"""A bracketed citation marker: "[32]", "[12,13]", "[2-4]"."""
_N_EQUALS = re.compile(rf"\b[nN]\s?=\s?({_NUM})")
_CI_AFTER = re.compile(
    rf"\s*[(\[,;]?\s*(?:(?:90|95|99)\s?%\s?)?(?:CI|confidence interval|C\.I\.)\s*[:,=]?\s*(?:of\s)?\s*\(?"
    rf"(?P<lo>[{_MINUS}]?{_NUM})\s*%?\s*(?:-|–|—|to|,)\s*(?P<hi>[{_MINUS}]?{_NUM})\s*%?\s*[)\]]?",
    re.IGNORECASE,
)
_PLUS_MINUS = re.compile(rf"\s?(?:±|\+\s*/?\s*[−-])\s*(?P<spread>{_NUM})")
_CI_LEVEL = re.compile(r"^\s?%\s?(?:CI\b|C\.I\.|confidence)", re.IGNORECASE)
_P_BEFORE = re.compile(r"\b[Pp]\s?(?:-?values?)?\s?(?P<op>[<=>≤≥]|of|was|was less than)\s?$")
_P_DECIMAL = re.compile(r"(?<![\w.])[Pp]\s?(?:-?values?)?\s?(?P<op>[<=>≤≥])\s?(?P<num>\.\d+)")
_N_OF_N = re.compile(rf"(?<![\w./])(?P<k>{_NUM})\s?/\s?(?P<n>{_NUM})(?![\w/])")
_X_OF_Y = re.compile(rf"\s(?:of|out of)\s(?:the\s)?(?P<n>{_NUM})\b")
_YEAR_BEFORE = re.compile(
    r"(?:\b(?:in|since|from|until|till|by|during|between|and|of|year)|January|February|March|April|May|June|July|"
    r"August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?,?\s$",
    re.IGNORECASE,
)


@dataclass
class NumberMention:
    """A quantity in a text: ``text[start:end]`` is its verbatim wording.

    Attributes:
        value: The number (None for a range).
        unit: Its unit class (``%``, ``months``, ``count``, ``p``, ``year``, …) or None.
        low: Start of a range (20%–40%).
        high: End of a range.
        explicit_n: Written as ``n = 42``.
        ci_low: Lower bound of the confidence interval written after it.
        ci_high: Upper bound of that interval.
        of: The denominator of "13 of 33" or "13/33".
        operator: ``<``, ``≤``, ``>``, ``≥`` or ``=`` for a p-value.
        spread: The ``± x`` written after it (a standard deviation or error).
        worded: Written as a word ("fifteen").
    """

    value: float | None
    start: int
    end: int
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    explicit_n: bool = False
    ci_low: float | None = None
    ci_high: float | None = None
    of: float | None = None
    operator: str | None = None
    spread: float | None = None
    worded: bool = False

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None


def parse_number(text: str) -> float:
    """A number as written: thousands separators and Unicode minus signs allowed ("1,077", "−2.3")."""
    cleaned = text.strip().replace(",", "")
    for minus in "−–":
        cleaned = cleaned.replace(minus, "-")
    return float(cleaned)


def _landmark_after(vocab: Vocabulary, text: str, start: int, end: int) -> bool:
    """A time point ("1-year OS") rather than a value: the pack's landmark pattern starts at the number."""
    match = vocab.landmark_pattern.search(text, start, min(len(text), end + 60))
    return bool(match and match.start() == start)


def find_numbers(text: str, vocab: Vocabulary) -> list[NumberMention]:
    """Return the quantities stated in ``text``: ranges merged, confidence intervals attached to the value
    they qualify, "95% CI" levels, names and landmarks (1-year OS) skipped.

    Args:
        text: A sentence, clause or table cell.
        vocab: The domain vocabulary (units, non-value words, landmarks).

    Returns:
        Mentions with offsets relative to ``text``.
    """
    mentions: list[NumberMention] = []
    taken: list[tuple[int, int]] = []  # p-values, fractions, interval bounds and denominators already read
    for match in _P_DECIMAL.finditer(text):
        mentions.append(NumberMention(float(match.group("num")), match.start(), match.end(), unit="p",
                                      operator=match.group("op")))
        taken.append(match.span())
    for match in _N_OF_N.finditer(text):
        if vocab.not_a_value_before.search(text[max(0, match.start() - 14) : match.start()]):
            taken.append(match.span())  # "phase 1/2"
            continue
        mention = NumberMention(parse_number(match.group("k")), match.start(), match.end(),
                                of=parse_number(match.group("n")))
        _read_unit(vocab, text, mention)
        mentions.append(_with_interval(text, mention, taken))
        taken.append((match.start(), match.end()))
    taken += [m.span() for m in BRACKET_MARKER.finditer(text)]  # "[32]", "[12,13]": citations, not values
    n_spans = {m.start(1) for m in _N_EQUALS.finditer(text)}
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in taken):
            continue
        if vocab.not_a_value_before.search(text[max(0, start - 14) : start]) or _CI_LEVEL.match(text[end : end + 25]):
            continue
        if _landmark_after(vocab, text, start, end):
            continue
        value = parse_number(match.group(0))
        if match.start("num") in n_spans:
            mentions.append(NumberMention(value, start, end, unit="count", explicit_n=True))
            continue
        mention = NumberMention(value, start, end)
        p_before = _P_BEFORE.search(text[max(0, start - 24) : start])
        own_unit, _ = vocab.unit_after(text[end : end + 3])
        x_of_y = _X_OF_Y.match(text, end) if own_unit is None else None  # "41% of the 1077 admissions": two values
        if p_before:
            op = p_before.group("op")
            mention.unit, mention.operator = "p", {"of": "=", "was": "=", "was less than": "<"}.get(op, op)
            mention.start = start - len(p_before.group(0))
        elif x_of_y:
            mention.of = parse_number(x_of_y.group("n"))
            taken.append((x_of_y.start("n"), x_of_y.end("n")))
            unit, _ = vocab.unit_after(text[x_of_y.end() : x_of_y.end() + 40])
            mention.unit = unit.name if unit is not None and not unit.joins else None
        else:
            spread = _PLUS_MINUS.match(text, end)
            if spread:  # "11.21 ± 0.74 nM": the unit follows the spread
                mention.spread, mention.end = parse_number(spread.group("spread")), spread.end()
                taken.append((spread.start("spread"), spread.end()))
            _read_unit(vocab, text, mention)
        if mention.unit is None and re.fullmatch(r"(?:19|20)\d\d", match.group(0)) and _YEAR_BEFORE.search(
                text[max(0, start - 12) : start]):
            mention.unit = "year"
        mentions.append(_with_interval(text, mention, taken))
    mentions.extend(_worded(text, vocab, taken))
    mentions.sort(key=lambda m: m.start)
    return _merge_ranges(text, mentions)


def _worded(text: str, vocab: Vocabulary, taken: list[tuple[int, int]]) -> list[NumberMention]:
    """Numbers written as words counting something ("fifteen participants", "five major phases", "twenty-two
    patients"); "one" only with a unit ("one month"), as it is more often a pronoun or an article."""
    out = []
    for match in _WORDED.finditer(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        if match.group("tens"):
            value = WORD_VALUES[match.group("tens").lower()] + (WORD_VALUES.get((match.group("ones") or "").lower(), 0.0)
                                                                 or (1.0 if (match.group("ones") or "").lower() == "one" else 0.0))
        else:
            value = WORD_VALUES.get(match.group("word").lower(), 1.0)
        mention = NumberMention(value, match.start(), match.end(), worded=True)
        _read_unit(vocab, text, mention)
        if mention.unit is None and (value == 1.0 or not _counts_something(text, mention.end)):
            continue
        out.append(mention)
    return out


def _counts_something(text: str, end: int) -> bool:
    """A plural noun follows the number in words ending at ``end``: "five major phases", "four nurses", or after
    the range's second number, "three or four nurses"."""
    ranged = _WORDED_RANGE.match(text, end)
    return bool(_COUNTED.match(text, end) or (ranged and _COUNTED.match(text, ranged.end())))


def _with_interval(text: str, mention: NumberMention, taken: list[tuple[int, int]]) -> NumberMention:
    """Attach the confidence interval written right after ``mention`` ("0.72 (95% CI, 0.60-0.86)")."""
    ci = _CI_AFTER.match(text, mention.end)
    if ci:
        mention.ci_low, mention.ci_high = parse_number(ci.group("lo")), parse_number(ci.group("hi"))
        mention.end = ci.end()
        taken.append((ci.start("lo"), ci.end()))
    return mention


def _read_unit(vocab: Vocabulary, text: str, mention: NumberMention) -> None:
    unit, length = vocab.unit_after(text[mention.end : mention.end + 60])
    if unit is not None:
        mention.unit = unit.name
        mention.end += length
    elif re.search(r"\bday\s$", text[max(0, mention.start - 5) : mention.start], re.IGNORECASE):
        mention.unit = "days"


_VERSUS = re.compile(r"^\s?(?:vs\.?|versus|compared with|and)\s", re.IGNORECASE)


def _merge_ranges(text: str, mentions: list[NumberMention]) -> list[NumberMention]:
    for cur, nxt in zip(mentions, mentions[1:]):
        if cur.unit is None and nxt.unit and nxt.unit != "p" and _VERSUS.match(text[cur.end : nxt.start]):
            cur.unit = nxt.unit
    merged: list[NumberMention] = []
    i = 0
    while i < len(mentions):
        cur = mentions[i]
        if i + 1 < len(mentions):
            nxt = mentions[i + 1]
            gap = text[cur.end : nxt.start]
            joinable = _RANGE_JOIN.match(gap) is not None or (cur.worded and nxt.worded and _WORDED_OR.match(gap) is not None)
            plain = not (cur.explicit_n or nxt.explicit_n or cur.of or nxt.of or cur.ci_low is not None
                         or cur.unit == "p" or nxt.unit == "p")
            same_unit = cur.unit in (None, nxt.unit)
            if joinable and plain and same_unit and cur.value is not None and nxt.value is not None and nxt.value >= cur.value:
                merged.append(NumberMention(None, cur.start, nxt.end, unit=nxt.unit, low=cur.value, high=nxt.value,
                                            ci_low=nxt.ci_low, ci_high=nxt.ci_high))
                i += 2
                continue
        merged.append(cur)
        i += 1
    return merged


def format_number(value: float, like: str = "") -> str:
    """Format a float the way the source prints it (34.0 → "34", 9.7 → "9.7", 1077 → "1,077" when
    the source text ``like`` groups its thousands)."""
    if abs(value) >= 1000 and re.search(r"\d,\d{3}", like) and value.is_integer():
        return f"{value:,.0f}"
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
