"""Multiple-choice questions: the option a supporting sentence states, or "insufficient information".

Each option is looked for in the best supporting sentences of the retrieved passages: a figure by
its value (rounded as the option is rounded when the question says "approximately"), a text by
its words (case, accents, hyphens and small misspellings aside). An option scores the support of
the best sentence stating it, weighed by how close it stands to the question's own words in that
sentence — so of "4,850 SWO-specific, 12,309 mandarin-specific and 4,900 pummelo-specific" the
figure beside "mandarin" answers a question about mandarin. The best option is chosen only when the
sentence stating it is among the best few supporting the question and holds most of its words,
and the option clearly beats every other; otherwise the answer abstains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from citeqa.qa.answer import Answer
from citeqa.qa.compose import Reason, unit_citation
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.numbers import find_numbers, parse_number
from citeqa.qa.open import answerable
from citeqa.qa.passages import PassageStore, Unit
from citeqa.qa.question import Question
from citeqa.qa.support import Support, question_terms

SENTENCES = 40
TOP = 5
"""The sentence stating the chosen option must be among the question's best :data:`TOP` supporting ones."""
MIN_COVERAGE = 0.5
"""… and hold at least this share of the question's words (idf-weighted)."""
MARGIN = 1.15
"""… and the option must score this many times the next best option."""
FUZZY = 88
_APPROXIMATE = re.compile(r"\b(?:approximately|about|around|roughly|nearly|almost|circa|some|~)\b|~", re.IGNORECASE)
_OPTION_NUMBER = re.compile(r"^\s*[<>≈~]?\s*([−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(%|[A-Za-zµμ/]+)?\s*$")


def normalise(text: str) -> str:
    """Case-folded, accent-free text with hyphens and punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w%.]+|(?<!\d)\.|\.(?!\d)", " ", text).split())


@dataclass
class Mention:
    """An option stated in a unit, at ``position`` (a character offset into its normalised text)."""

    option: int
    support: Support
    position: int
    exact: bool


def _number_option(option: str) -> float | None:
    match = _OPTION_NUMBER.match(option)
    return parse_number(match.group(1)) if match else None


def _rounding(option: str) -> float:
    """Half the place of an option's last significant digit ("12,300" → 50, "0.5" → 0.05, "4" → 0.5)."""
    digits = re.sub(r"[^\d.]", "", option)
    if "." in digits:
        return 0.5 * 10 ** -len(digits.split(".")[1])
    stripped = digits.rstrip("0")
    return 0.5 * 10 ** (len(digits) - len(stripped)) if stripped else 0.5


def _find(option: str, number: float | None, unit: Unit, text: str, approximate: bool, lexicon: Lexicon) -> tuple[int, bool] | None:
    """Where ``unit`` states ``option`` (a position in ``text``, and whether exactly), or None."""
    if number is not None:
        tolerance = _rounding(option) if approximate else 1e-9
        for mention in find_numbers(unit.text, lexicon.domain):
            if mention.value is not None and abs(mention.value - number) <= tolerance + 1e-9 * abs(number):
                return int(len(normalise(unit.text[: mention.start]))), abs(mention.value - number) < 1e-9
        return None
    wanted = normalise(option)
    if not wanted:
        return None
    hit = re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", text)
    if hit:
        return hit.start(), True
    if len(wanted) >= 6:
        alignment = fuzz.partial_ratio_alignment(wanted, text, score_cutoff=FUZZY)
        if alignment is not None:
            return alignment.dest_start, False
    return None


def _closeness(text: str, position: int, anchors: list[str]) -> float:
    """1 when a question word stands right by ``position`` in ``text``, falling off with distance."""
    distances = [abs(m.start() - position) for word in anchors for m in re.finditer(rf"\b{re.escape(word)}", text)]
    if not distances:
        return 0.5
    return 1.0 / (1.0 + min(distances) / 60.0)


def _matching_value(answer: Answer, options: list[str], numbers: list[float | None], approximate: bool) -> int | None:
    """The one option equal to the value the engine answered (rounded as the option is, when approximate)."""
    value = answer.value
    if answer.abstained or answer.conflict or value is None or value.number is None:
        return None
    hits = [i for i, n in enumerate(numbers) if n is not None and abs(n - value.number) <= (
        _rounding(options[i]) if approximate else 1e-9) + 1e-9 * abs(n)]
    return hits[0] if len(hits) == 1 else None


def choose(q: Question, options: list[str], support: list[Support], store: PassageStore, lexicon: Lexicon,
           answer: Answer | None = None) -> Answer:
    """Answer a multiple-choice question with the option a cited sentence states, or abstain.

    Args:
        q: The analysed question.
        options: The options, verbatim.
        support: The question's supporting units, best first.
        store: What each passage holds.
        lexicon: The corpus's entity vocabulary.
        answer: The engine's answer to the question without options: when it reads a value (step 2)
            that exactly one option states, that option is the choice, with the answer's citations.

    Returns:
        An answer whose ``choice`` is one of ``options`` (and cites the sentence stating it), or an
        abstention with reason "insufficient information" and ``choice`` None.
    """
    approximate = bool(_APPROXIMATE.search(q.text))
    numbers = [_number_option(o) for o in options]
    matched = _matching_value(answer, options, numbers, approximate) if answer is not None else None
    if matched is not None:
        answer.choice = options[matched]
        return answer
    anchors = sorted({normalise(t.word) for t in question_terms(q, store, lexicon)} | {
        normalise(lexicon.display.get(e, e)) for e in q.entities}, key=len, reverse=True)
    best: dict[int, tuple[float, Mention]] = {}
    candidates = answerable(q, support, store)[:SENTENCES]
    rank = {id(s): r for r, s in enumerate(candidates)}
    for s in candidates:
        text = normalise(s.unit.text)
        for i, option in enumerate(options):
            found = _find(option, numbers[i], s.unit, text, approximate, lexicon)
            if found is None:
                continue
            position, exact = found
            value = s.score * (0.6 + 0.4 * _closeness(text, position, [a for a in anchors if a])) * (1.0 if exact else 0.9)
            if i not in best or value > best[i][0]:
                best[i] = (value, Mention(i, s, position, exact))
    ranked = sorted(best.values(), key=lambda v: -v[0])
    if not ranked:
        return _insufficient(q, 0.0)
    score, mention = ranked[0]
    supported = rank[id(mention.support)] < TOP and mention.support.coverage >= MIN_COVERAGE
    if not supported or (len(ranked) > 1 and score < MARGIN * ranked[1][0]):
        return _insufficient(q, score)
    unit = mention.support.unit
    doc = store.index.documents[unit.doc_id]
    citation = unit_citation(unit, doc, store.index.chunks[unit.row])
    text = " ".join(doc.text[unit.start : unit.end].split())
    return Answer(q.text, text, None, False, None, False, round(min(1.0, score), 3), [citation],
                  choice=options[mention.option])


def _insufficient(q: Question, score: float) -> Answer:
    return Answer(q.text, "Insufficient information — no cited passage states one of the options.", None, True,
                  Reason.INSUFFICIENT, False, round(1.0 - min(1.0, score), 3), [], choice=None)
