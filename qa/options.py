"""How strongly a sentence states each multiple-choice option: the rules, on plain text.

An option is read as its *distinctive* words: its content words less the question's own words
(they match any sentence about the question) and less the words every option shares ("lncRNA" in
"AAGAG lncRNA" / "7SK lncRNA"). A sentence states an option in the share of those words it holds:

- a word with a digit or a capital inside ("K548R", "Get4/5", "63.2") must stand in the sentence
  exactly (a number as a number: "12,309" states "12,300" only when the question says "approximately");
- another word matches the sentence's word of the same stem, or a spelling variant of it (same first
  three letters, :data:`SPELLING` similarity: "ciproflaxin" / "ciprofloxacin").

Options that evidence cannot state are never chosen: one that says nothing is known ("null",
"insufficient information", "none of the above") and one that is a negation ("No effect", "There is
no gain for any model") — a sentence holding its words says the opposite as often as not.
When one option's words are a subset of another's ("decreases" / "greatly decreases", "ERK1" /
"ERK1 & ERK2") and a sentence states both, it states the longer one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

SPELLING = 85
"""Similarity (0–100) at which two words of the same first three letters are one word misspelt."""
_NO_EVIDENCE = re.compile(
    r"^\s*(?:(?:null|none|n/?a|unknown|none of the above)\s*\.?\s*$|(?:insufficient|not enough) (?:information|data|evidence)|"
    r"(?:cannot|can ?not|can't) (?:be )?(?:determined|known|answered|say))",
    re.IGNORECASE)
_NEGATION = frozenset("no not none neither nor without never cannot".split())
_DENIAL = _NEGATION | frozenset("normal normally unchanged unaffected unaltered intact".split())
DENIAL_REACH = 3
"""Words before an option's words in which a negation or "normal" denies it."""
SLACK = 2
"""Extra words allowed per word of an option between its words in a sentence."""
_STOP = frozenset(
    "a an the and or of in on at to for from by with as is are was were be been being this that these those it its "
    "their there which who than then also into onto over under between among both each such can could may might will "
    "would should has have had do does did they them all any some via".split())
# A percentage keeps its sign; a hyphen after a digit is a range ("0.09-0.24"), not a minus.
_TOKEN = re.compile(r"(?:(?<![\w.])-)?\d+(?:\.\d+)?(?:%|[- ]?fold\b)|[^\W_]+(?:[./][^\W_]+)*|(?<![\w.])-\d+(?:\.\d+)?")
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(%|[- ]?fold)?$")


def fold(text: str) -> str:
    """Accent-free, case-folded text with a single kind of minus sign."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub("[\u2010-\u2015\u2212]", "-", text)


def tokens(text: str) -> list[str]:
    """Words and numbers of ``text``: "Get4/5", "0.09", "-3", "64%", "5-fold", "12,300" (as "12300") kept whole, folded."""
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", fold(text))  # thousands separators
    return _TOKEN.findall(text)


def exact_only(word: str) -> bool:
    """A word that must stand in a sentence as it is: a number, or a name with a digit in it."""
    return any(c.isdigit() for c in word)


def never_chosen(option: str) -> bool:
    """An option no sentence can state: "null", "insufficient information", or a negation."""
    return bool(_NO_EVIDENCE.match(option)) or any(t in _NEGATION for t in tokens(option))


@dataclass(frozen=True)
class OptionWords:
    """The words that tell one option from the others (``words`` empty: nothing to look for)."""

    option: str
    words: frozenset[str]
    choosable: bool


def distinctive_words(options: Sequence[str], question: str, stem: Callable[[str], str]) -> list[OptionWords]:
    """Each option's words less function words, the question's words and the words all options share.

    Args:
        options: The options, verbatim.
        question: The question's text.
        stem: Maps a folded word to its stem (numbers and names with digits are kept as they are).
    """
    def key(word: str) -> str:
        return word if exact_only(word) else stem(word)

    asked = {key(t) for t in tokens(question)}
    sets = [{key(t) for t in tokens(o) if t not in _STOP and (len(t) > 1 or t.isdigit())} for o in options]
    shared = set.intersection(*sets) if len(sets) > 1 else set()
    return [OptionWords(o, frozenset(s - asked - shared), not never_chosen(o)) for o, s in zip(options, sets)]


def _same_word(wanted: str, word: str) -> bool:
    return len(wanted) >= 6 and wanted[:3] == word[:3] and fuzz.ratio(wanted, word) >= SPELLING


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9 * max(abs(a), abs(b))


def rounding(option_number: str) -> float:
    """Half the place of a number's last significant digit ("12300" → 50, "0.5" → 0.05, "4" → 0.5)."""
    digits = re.sub(r"[^\d.]", "", option_number)
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    return 0.5 * 10 ** (len(digits) - len(stripped)) if stripped else 0.5


def _number(word: str) -> tuple[float, str] | None:
    """A number token's value and unit ("64.0%" → (64.0, "%"), "5-fold" → (5.0, "fold")), or None."""
    match = _NUMBER.match(word)
    return (float(match.group(1)), (match.group(2) or "").lstrip("- ")) if match else None


def _positions(wanted: str, words: list[str], stems: list[str], approximate: bool) -> list[int]:
    """Where ``wanted`` stands among a sentence's ``words`` (``stems`` beside them): a number as a number
    of the same unit ("64%" in "64.0%", rounded as the option is when ``approximate``), a name with a
    digit as written, another word by stem or spelling variant."""
    number = _number(wanted)
    if number is not None:
        tolerance = rounding(wanted) if approximate else 0.0
        return [i for i, w in enumerate(words) if (n := _number(w)) is not None and n[1] == number[1]
                and _close(number[0], n[0], tolerance)]
    if exact_only(wanted):
        return [i for i, w in enumerate(words) if w == wanted]
    return [i for i, st in enumerate(stems) if st and (st == wanted or _same_word(wanted, st))]


def _span(positions: list[list[int]]) -> int:
    """The fewest words of a stretch holding one position of each list (lists non-empty)."""
    marks = sorted((p, k) for k, ps in enumerate(positions) for p in ps)
    counts: dict[int, int] = {}
    best, left = len(marks) and marks[-1][0] + 1, 0
    for right, (p, k) in enumerate(marks):
        counts[k] = counts.get(k, 0) + 1
        while len(counts) == len(positions):
            best = min(best, p - marks[left][0] + 1)
            q, j = marks[left]
            counts[j] -= 1
            if not counts[j]:
                del counts[j]
            left += 1
    return best


def stated_share(option: OptionWords, sentence: str, stem: Callable[[str], str], approximate: bool = False) -> float:
    """The share of ``option``'s distinctive words that ``sentence`` states (0 when it has none).

    The words found must stand together (within :data:`SLACK` extra words per word), or they count
    half; a negation or a "normal"/"unchanged" just before them means the sentence denies the
    option (0).

    Args:
        option: The option's words.
        sentence: The sentence's text.
        stem: The same stemmer :func:`distinctive_words` used.
        approximate: The question asks for an approximate figure: a number within the option's
            rounding counts.
    """
    if not option.words:
        return 0.0
    words = tokens(sentence)
    stems = ["" if exact_only(w) else stem(w) for w in words]
    found = [hits for wanted in option.words if (hits := _positions(wanted, words, stems, approximate))]
    if not found:
        return 0.0
    first = min(min(hits) for hits in found)
    if any(w in _DENIAL for w in words[max(0, first - DENIAL_REACH) : first]):
        return 0.0
    share = len(found) / len(option.words)
    if len(found) > 1 and _span(found) > len(found) * (1 + SLACK):
        share /= 2
    return share


def counted_words(option: OptionWords, sentence: str) -> set[str]:
    """The words right after each number of ``option`` in ``sentence`` ("5,765 genes" → {"genes"})."""
    words = tokens(sentence)
    numbers = [w for w in option.words if _number(w) is not None]
    return {words[i + 1] for w in numbers for i in _positions(w, words, [], False) if i + 1 < len(words)}


def prefer_longer(options: Sequence[OptionWords], shares: Sequence[float]) -> list[float]:
    """Shares with an option zeroed when another fully stated option holds all its words and more."""
    out = list(shares)
    for i, a in enumerate(options):
        for j, b in enumerate(options):
            if i != j and shares[i] >= 1.0 and shares[j] >= 1.0 and a.words < b.words:
                out[i] = 0.0
    return out
