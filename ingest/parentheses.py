"""Reference numbers in parentheses — ``(12, 13)``, ``(1–10)``, ``(4, 7–9)`` — as citations.

Science, PNAS, NAR and the ASM journals cite so. Values take the same shape ("aged (45)", "(2019)",
an equation number "(3)", an enumeration "(1) … (2) …", a table cell "(12)"), so a group is a
citation only when all of these hold:

* **Its text** is reference numbers only: integers, commas and dashes, each in 1..N of the
  document's numbered reference list, ascending, ranges short and ascending; no thousands separator
  ("1,312"), no leading zero ("06"), no letters, units, decimals or signs (the pattern allows none).
* **Its place** is a citation's: after a word or a closing bracket — not after a number with or
  without its unit ("76.6 years (68–92)"), a word that introduces a value ("aged", "n", "mean") or
  an item of a list or formula ("and", "the", "including", "Eq"), nor after punctuation that opens
  an item (":", ";", ",", "=", a sentence's full stop); not at a line's start or alone on a line
  (equation numbers), not in a table (a tab-separated row or a ``Table``'s span) or among a
  figure's labels (a line with few words of prose), not glued to what follows ("(12)%",
  "(2)-fold") nor counting it ("a set (6) of tRNAs"), not one of the items "(1) … (2) …" of a list,
  each opening a clause.
* **Its order**: documents numbered by first appearance introduce each new number just after the
  highest cited so far; a group whose new numbers jump far ahead is not linked.
* **The document's style**: at least :data:`MIN_GROUPS` such groups, most of them in order, citing
  a good share of the list, and more of them than superscript or bracket markers linked to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from citeqa.ingest.models import Citation, CitationKind

MIN_GROUPS = 8  # groups that make a document's style parenthesised
MIN_IN_ORDER = 0.8  # share of the groups that follow the list's order
MIN_COVERAGE = 0.3  # share of the list's numbers the groups cite
_MAX_RANGE = 40
_LOOK_BACK = 40  # characters of context read before a group

_GROUP_RE = re.compile(r"(?<![\w.\-])\((\d{1,3}(?:\s?[,\u2013\u2012-]\s?\d{1,3})*)\)")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+$")
# Words after which a parenthesised number is a value, an item or a formula's number, not a citation.
VALUE_WORDS = frozenset(
    "aged age n mean median average total range was were is are be equals equal approximately about around "
    "nearly almost".split()
)
ITEM_WORDS = frozenset(
    "and or the a an of both either including include includes namely whether then "
    "eq eqs equation equations formula inequality compound compounds".split()
)
_OPENS_ITEM = set(":;,([{=<>~±×/≈≤≥+")
_ABBREVIATION_RE = re.compile(r"(?:\b[a-z]{1,4}|\be\.g|\bi\.e)\.$")  # "et al.", "spp.", "ref.", "etc.", "e.g."
_PROSE_WORD_RE = re.compile(r"(?:^|\s)[a-z]{2,}[,.;:]?(?=\s|$)")
_MIN_PROSE_WORDS = 5  # a citation stands in running text, not among a figure's labels
# A number (with at most one unit word after it) right before the group: "76.6 years (68–92)",
# "3/4 (12)"; not the digits of a name ("UfSP1/2 (23)", "IL-2 (4)").
_NUMBER_BEFORE_RE = re.compile(r"(?:^|(?<=[\s(~≈<>=±]))\d[\d.,/]*\s*(?:%|[^\W\d]{1,12})?\s*$")
_WORD_BEFORE_RE = re.compile(r"([^\W\d]+)\.?\s*$")


def group_numbers(body: str, limit: int) -> list[int] | None:
    """The reference numbers of a group's body ("4, 7–9" → 4, 7, 8, 9), or None when the body is
    not a list of reference numbers in 1..``limit`` (a thousands separator, a leading zero, numbers
    out of order, a descending or long range)."""
    if _THOUSANDS_RE.match(body) and "," in body:
        return None
    numbers: list[int] = []
    for part in re.split(r"\s?,\s?", body):
        bounds = re.split(r"\s?[\u2013\u2012-]\s?", part)
        if any(b.startswith("0") for b in bounds) or len(bounds) > 2:
            return None
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi < lo or (len(bounds) == 2 and hi == lo) or hi - lo > _MAX_RANGE:
            return None
        if numbers and lo <= numbers[-1]:
            return None
        numbers.extend(range(lo, hi + 1))
    return numbers if numbers and 1 <= numbers[0] and numbers[-1] <= limit else None


def _line_of(text: str, start: int, end: int) -> tuple[str, str]:
    """The text of the line before ``start`` and after ``end``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start:start], text[end : len(text) if line_end < 0 else line_end]


def cites_here(text: str, start: int, end: int) -> bool:
    """True when the group ``text[start:end]`` stands where a citation stands (see the module
    docstring): after a word or a closing bracket, not a value's, an item's or a formula's number."""
    before, after = _line_of(text, start, end)
    if "\t" in before or "\t" in after or not before.strip():
        return False  # a table row, an equation number, a line's first item
    if len(_PROSE_WORD_RE.findall(before + after)) < _MIN_PROSE_WORDS:
        return False  # a figure's labels, a sample size under a bar ("wMel+ x wMel- (20)")
    if after[:1] and (after[0].isalnum() or after[0] in "%°‰-") or after.startswith(" of "):
        return False  # "(12)%", "(2)-fold", "a set (6) of tRNAs"
    before = before[-_LOOK_BACK:].rstrip()
    last = before[-1]
    if last in _OPENS_ITEM or (last == "." and not _ABBREVIATION_RE.search(before)):
        return False
    if _NUMBER_BEFORE_RE.search(before):
        return False
    word = _WORD_BEFORE_RE.search(before)
    return not (word and word.group(1).lower() in VALUE_WORDS | ITEM_WORDS)


@dataclass(frozen=True)
class _Group:
    """A parenthesised group of reference numbers; ``placed``: it stands where a citation stands."""

    start: int
    end: int
    numbers: list[int]
    placed: bool


def _enumerations(text: str, groups: Sequence[_Group]) -> set[int]:
    """Starts of groups that are items "(1) … (2) …": a run of single numbers from 1 on, each
    followed by a word, within one paragraph."""
    items: set[int] = set()
    run: list[int] = []
    for k, group in enumerate(groups):
        prev = groups[k - 1] if k else None
        goes_on = bool(run) and prev is not None and group.numbers == [prev.numbers[0] + 1] and (
            "\n" not in text[prev.end : group.start] and group.start - prev.end < 400
        )
        if goes_on and _word_follows(text, group.end):
            run.append(group.start)
            continue
        if len(run) >= 2:
            items.update(run)
        run = [group.start] if group.numbers == [1] and _word_follows(text, group.end) else []
    if len(run) >= 2:
        items.update(run)
    return items


def _word_follows(text: str, end: int) -> bool:
    return bool(re.match(r" [^\W\d]", text[end : end + 2]))


def parenthesised_citations(
    text: str,
    limit: int,
    start: int = 0,
    end: int | None = None,
    skip: Sequence[tuple[int, int]] = (),
    competing: int = 0,
) -> list[Citation]:
    """Find the parenthesised reference numbers of ``text[start:end]`` that are citations.

    Args:
        text: The document text.
        limit: N, the highest number of the document's numbered reference list.
        start: Where the body starts (markers before it are the front matter's).
        end: Where to stop (default: the end of the text).
        skip: Spans that hold no citations of this kind (tables, the reference list itself).
        competing: How many superscript or bracket markers of the document are linked to the list;
            a document that cites more that way does not cite with parentheses.

    Returns:
        Citations of kind ``parenthesis`` in text order; none when the document's style is not so.
    """
    if limit < 1:
        return []
    groups: list[_Group] = []
    for m in _GROUP_RE.finditer(text, start, len(text) if end is None else end):
        numbers = group_numbers(m.group(1), limit)
        if numbers is not None and not any(a <= m.start() < b for a, b in skip):
            groups.append(_Group(m.start(), m.end(), numbers, cites_here(text, m.start(), m.end())))
    items = _enumerations(text, groups)
    groups = [g for g in groups if g.start not in items]
    ordered = _in_order(groups, limit)
    placed = [g for g in groups if g.placed]
    cited = {n for g in ordered for n in g.numbers}
    if (
        len(ordered) < MIN_GROUPS
        or len(ordered) < MIN_IN_ORDER * len(placed)
        or len(cited) < MIN_COVERAGE * limit
        or competing >= len(ordered)
    ):
        return []
    return [Citation(g.start, g.end, g.numbers, kind=CitationKind.PARENTHESIS) for g in ordered]


def _in_order(groups: list[_Group], limit: int) -> list[_Group]:
    """The placed groups whose new numbers follow the highest number cited so far by any group
    (a jump of a few allowed: a figure legend or a table read early cites a little ahead)."""
    jump = max(3, limit // 10)
    highest = 0
    kept = []
    for group in groups:
        new = [n for n in group.numbers if n > highest]
        if group.placed and not (new and new[0] > highest + jump):
            kept.append(group)
        highest = max(highest, group.numbers[-1])
    return kept
