"""Superlatives and comparisons over figures: "which bispecific had the highest CR rate after CAR T?",
"which had the longer PFS, glofitamab or epcoritamab?".

The figures compared are like with like: the question's measure, the best candidate's population,
unit and time point, each from a fact whose score is within :data:`COMPARE_MARGIN` of the best one.
They are grouped by the entity each is about (the question's entities when it names two or more,
else the table column or the sentence's subject), and the best-scored figure of each entity stands
for it. With at least two entities, the answer names the winner, gives every compared figure and
cites each; compared figures from different studies (other documents, or other cited references)
are said to be so: no head-to-head comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.ingest.models import Document
from citeqa.qa.answer import Answer, AnswerCitation, RankedFigure
from citeqa.qa.answering import CONFLICT_MARGIN, Scored
from citeqa.qa.compose import ChunkLocator, citation_for, describe, value_of, value_text, where_written
from citeqa.qa.facts import Fact, Status
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.question import Extreme, Question
from citeqa.qa.vocabulary import Better, Vocabulary

COMPARE_MARGIN = CONFLICT_MARGIN
"""A figure is compared when its score is within this of the best candidate's (the conflict margin of
:mod:`citeqa.qa.answering`: figures that close answer the question equally well)."""
TIE = 0.02
"""Figures of several entities scoring within this of each other answer an entity-less question equally
(one score step of the value scorer is 0.05): the answer lists them all rather than pick one."""
_MARKERS = re.compile(r"[\s\u00b9\u00b2\u00b3\u2070-\u209f*†‡§]+$")


@dataclass(frozen=True)
class Entry:
    """One entity's figure in a comparison."""

    name: str
    scored: Scored


def larger_wins(q: Question, vocab: Vocabulary) -> bool | None:
    """Whether the largest figure answers ``q`` (None: the question's measure has no better direction)."""
    if q.extreme is Extreme.highest:
        return True
    if q.extreme is Extreme.lowest:
        return False
    measure = vocab.measure_by_key.get(q.measure or "")
    if measure is None or measure.better is None:
        return None
    return (measure.better is Better.higher) == (q.extreme is Extreme.best)


def _comparable(s: Scored, best: Scored, q: Question) -> bool:
    a, b = s.fact, best.fact
    return (a.status is Status.value and a.value is not None and not a.comparator and a.measure == b.measure
            and a.unit == b.unit and a.populations == b.populations and a.landmark == b.landmark
            and abs(s.population - best.population) < 1e-9 and (q.measure is None or a.measure == q.measure))


def _name(fact: Fact, q: Question, lexicon: Lexicon) -> str | None:
    """The entity a figure is about, as the source writes it."""
    if len(q.entities) >= 2:
        shared = q.entities & fact.entities
        return lexicon.display.get(next(iter(shared)), next(iter(shared))) if len(shared) == 1 else None
    if fact.table is not None:
        label = fact.column if fact.entity_label == fact.column else fact.entity_label
    else:
        label = fact.entity_label if len(fact.entities) == 1 else None
    if not label or label == fact.section:
        return None
    name = _MARKERS.sub("", label)
    return None if re.search(r"\d", name) else name


def entries(q: Question, candidates: list[Scored], lexicon: Lexicon, margin: float = COMPARE_MARGIN) -> list[Entry]:
    """The compared figures, one per entity (its best-scored), in score order."""
    if not candidates:
        return []
    best = max(candidates, key=lambda s: s.score)
    out: dict[str, Entry] = {}
    for s in sorted(candidates, key=lambda s: -s.score):
        if s.score < best.score - margin or not _comparable(s, best, q):
            continue
        name = _name(s.fact, q, lexicon)
        if name and name.lower() not in out:
            out[name.lower()] = Entry(name, s)
    return list(out.values())


_TIME_UNITS = frozenset({"months", "years", "weeks", "days", "hours"})


def _extreme_word(unit: str | None, larger: bool) -> str:
    """How the answer says which end won: "longest" for a time, "most" for a count, else "highest"."""
    if unit in _TIME_UNITS:
        return "longest" if larger else "shortest"
    if unit == "count":
        return "most" if larger else "fewest"
    return "highest" if larger else "lowest"


def _separate_studies(facts: list[Fact]) -> bool:
    """The figures come from different documents, or from passages citing different references."""
    if len({f.doc_id for f in facts}) > 1:
        return True
    cited = [frozenset(f.references) for f in facts if f.references]
    return len(cited) == len(facts) and len(set(cited)) == len(facts)


def _cited(found: list[Entry], documents: dict[str, Document],
           locator: ChunkLocator) -> tuple[list[Fact], list[AnswerCitation], list[RankedFigure]]:
    """The compared facts, a citation of each, and the ranking that points at them (in ``found``'s order)."""
    facts = [e.scored.fact for e in found]
    citations = [citation_for(f, documents[f.doc_id], locator) for f in facts]
    ranking = [RankedFigure(e.name, value_of(e.scored.fact), i) for i, e in enumerate(found)]
    return facts, citations, ranking


def ranked_answer(q: Question, candidates: list[Scored], documents: dict[str, Document], locator: ChunkLocator,
                  lexicon: Lexicon) -> Answer | None:
    """The comparison's answer: the winner, every compared figure cited; None when fewer than two
    entities' figures compare or the question does not say which way wins."""
    vocab = lexicon.domain
    larger = larger_wins(q, vocab)
    found = entries(q, candidates, lexicon)
    if larger is None or len(found) < 2:
        return None
    found.sort(key=lambda e: e.scored.fact.value or 0.0, reverse=larger)
    winner, rest = found[0], found[1:]
    facts, citations, ranking = _cited(found, documents, locator)
    tie = [e.name for e in rest if e.scored.fact.value == winner.scored.fact.value]
    word = _extreme_word(winner.scored.fact.unit, larger)
    others = ", ".join(f"{e.name} {value_text(e.scored.fact, vocab)}" for e in rest)
    lead = f"{describe(winner.scored.fact, q, citations[0].quote, lexicon)}: {value_text(winner.scored.fact, vocab)}"
    text = (f"{lead} ({where_written(winner.scored.fact)}), the {word}"
            + (f", tied with {', '.join(tie)}" if tie else "") + f"; compared with {others}.")
    if _separate_studies(facts):
        text += " The figures come from separate studies, not a head-to-head comparison."
    confidence = round(min(1.0, winner.scored.score), 3)
    return Answer(q.text, text, value_of(winner.scored.fact), False, None, False, confidence, citations,
                  ranking=ranking)


def listed_answer(q: Question, candidates: list[Scored], documents: dict[str, Document], locator: ChunkLocator,
                  lexicon: Lexicon) -> Answer | None:
    """A question naming no entity whose figure differs by entity ("what was the CR rate after CAR T?"
    over a table of four drugs): every entity's figure, each cited; None when one figure answers it."""
    if q.entities or q.measure is None or q.unknown:
        return None  # a name the corpus does not know: the answer is not any of these
    found = entries(q, candidates, lexicon, TIE)
    if len(found) < 2:
        return None
    vocab = lexicon.domain
    facts, citations, ranking = _cited(found, documents, locator)
    measure = vocab.measure_by_key[q.measure].label if q.measure in vocab.measure_by_key else "The figure"
    listed = "; ".join(f"{e.name} {value_text(e.scored.fact, vocab)} ({where_written(e.scored.fact)})" for e in found)
    text = f"{measure[:1].upper() + measure[1:]}, reported separately for each: {listed}."
    if _separate_studies(facts):
        text += " The figures come from separate studies."
    return Answer(q.text, text, None, False, None, False, round(min(1.0, found[0].scored.score), 3), citations,
                  values=[v for v in (value_of(f) for f in facts) if v is not None], ranking=ranking)

