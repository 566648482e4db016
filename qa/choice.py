"""Multiple-choice questions: the option a supporting sentence states, or "insufficient information".

The question's supporting sentences (step 1 of answering) are read for each option's distinctive
words (:mod:`citeqa.qa.options`: numbers and names exactly, other words by stem or spelling variant).
An option scores, over the best :data:`SENTENCES` sentences, the best product of the sentence's
support for the question and the share of the option's words it states. The best option is chosen
only when
- its sentence states all its words (:data:`MIN_SHARE`), and
- it scores :data:`MARGIN` times the next option (every other option scored the same way, partial
  statements included) when that sentence is among the question's best :data:`TOP` supporting
  sentences, or :data:`WIDE_MARGIN` times when it is further down (up to :data:`WIDE_TOP`),
and otherwise the answer abstains. When the engine's own answer (step 2) reads a value that exactly
one option states, that option is the choice — when a quote states it with its unit, and no quote
counts the same thing for another option.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from citeqa.qa.answer import Answer
from citeqa.qa.compose import Reason, unit_citation
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.numbers import parse_number
from citeqa.qa.options import counted_words, distinctive_words, never_chosen, prefer_longer, rounding, stated_share
from citeqa.qa.passages import BODY_KINDS, PassageStore
from citeqa.qa.question import Question
from citeqa.qa.support import Support

SENTENCES = 40
"""Supporting sentences read for the options (best first)."""
TOP = 5
"""The sentence stating the chosen option must be among the question's best :data:`TOP` readable ones."""
MIN_SHARE = 1.0
"""… and state at least this share of the option's distinctive words."""
MARGIN = 1.15
"""… and the option must score this many times the next best option."""
WIDE_TOP = 25
WIDE_MARGIN = 1.5
"""A sentence further down (within :data:`WIDE_TOP`) may state the choice when the option scores this many
times the next best one."""
_APPROXIMATE = re.compile(r"\b(?:approximately|about|around|roughly|nearly|almost|circa|some)\b|~", re.IGNORECASE)
_OPTION_NUMBER = re.compile(r"^\s*[<>≈~]?\s*([−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(%|[A-Za-zµμ/]+)?\s*$")


@dataclass
class Mention:
    """The best statement of one option: the sentence, its rank among the readable ones, the share stated."""

    option: int
    support: Support
    rank: int
    share: float
    score: float


def _number_option(option: str) -> float | None:
    match = _OPTION_NUMBER.match(option)
    return parse_number(match.group(1)) if match else None


def _matching_value(answer: Answer, options: list[str], approximate: bool) -> int | None:
    """The one option equal to the value the engine answered (rounded as the option is, when approximate)."""
    value = answer.value
    if answer.abstained or answer.conflict or value is None or value.number is None:
        return None
    numbers = [_number_option(o) for o in options]
    hits = [i for i, n in enumerate(numbers) if n is not None and abs(n - value.number) <= (
        rounding(options[i]) if approximate else 1e-9) + 1e-9 * abs(n)]
    return hits[0] if len(hits) == 1 else None


def _value_choice_stands(q: Question, options: list[str], matched: int, answer: Answer, lexicon: Lexicon) -> bool:
    """Whether a quote of the answer states the matched option (its number with its unit), and no quote
    states another option's figure as a count of the same thing ("7,852 genes in stage III …, 5,765
    genes in stage V": then the quote does not tell which)."""
    stem = _stemmer(lexicon)
    words = distinctive_words(options, q.text, stem)
    approximate = bool(_APPROXIMATE.search(q.text))
    if not any(stated_share(words[matched], c.quote, stem, approximate) >= 1.0 for c in answer.citations):
        return False
    for c in answer.citations:
        counted = counted_words(words[matched], c.quote)
        if any(counted & counted_words(w, c.quote) for i, w in enumerate(words) if i != matched):
            return False
    return True


def _stemmer(lexicon: Lexicon) -> Callable[[str], str]:
    vocab = lexicon.domain

    def stem(word: str) -> str:
        return min(vocab.stems(word) or {word})

    return stem


def readable(support: list[Support], store: PassageStore) -> list[Support]:
    """The supporting units that can state an answer (body text, captions, table rows), best first."""
    skip = store.lexicon.domain.skip_sections
    return [s for s in support
            if s.unit.kind in BODY_KINDS and not s.unit.heading and not skip.search(s.unit.section or "")]


def mentions(question: str, options: list[str], support: list[Support], stem: Callable[[str], str]) -> list[Mention]:
    """Each option's best statement among ``support`` (options no sentence states left out), best first."""
    approximate = bool(_APPROXIMATE.search(question))
    words = distinctive_words(options, question, stem)
    best: dict[int, Mention] = {}
    for rank, s in enumerate(support[:SENTENCES]):
        shares = prefer_longer(words, [stated_share(w, s.unit.text, stem, approximate) if w.choosable else 0.0
                                       for w in words])
        for i, share in enumerate(shares):
            score = s.score * share
            if share > 0 and (i not in best or score > best[i].score):
                best[i] = Mention(i, s, rank, share, score)
    return sorted(best.values(), key=lambda m: -m.score)


def pick(ranked: list[Mention]) -> Mention | None:
    """The mention whose option is the choice (see the module's rules), or None: abstain."""
    if not ranked:
        return None
    first = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    margin = MARGIN if first.rank < TOP else WIDE_MARGIN
    if first.share < MIN_SHARE or first.rank >= WIDE_TOP or first.score < margin * runner_up:
        return None
    return first


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
    matched = _matching_value(answer, options, bool(_APPROXIMATE.search(q.text))) if answer is not None else None
    if matched is not None and not never_chosen(options[matched]) and _value_choice_stands(q, options, matched, answer, lexicon):
        answer.choice = options[matched]
        return answer
    first = pick(mentions(q.text, options, readable(support, store), _stemmer(lexicon)))
    if first is None:
        return _insufficient(q)
    unit = first.support.unit
    doc = store.index.documents[unit.doc_id]
    citation = unit_citation(unit, doc, store.index.chunks[unit.row])
    text = " ".join(doc.text[unit.start : unit.end].split())
    return Answer(q.text, text, None, False, None, False, round(min(1.0, first.score), 3), [citation],
                  choice=options[first.option])


def _insufficient(q: Question) -> Answer:
    return Answer(q.text, "Insufficient information — no cited passage clearly states one of the options.", None, True,
                  Reason.INSUFFICIENT, False, 0.0, [], choice=None)
