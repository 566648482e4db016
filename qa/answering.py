"""Step 2 of answering: read the value a question asks for from the facts of its supporting
passages — score each fact (entity, measure, population, unit, time point), pick the answer,
detect "not reported" cells and disagreement between equally specific sources, or abstain."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from citeqa.qa.facts import Fact, Kind, Status
from citeqa.qa.question import Question
from citeqa.qa.vocabulary import Vocabulary

MIN_SCORE = 0.62
CONFLICT_MARGIN = 0.2


@dataclass
class Scored:
    fact: Fact
    score: float
    coverage: float
    population: float


def _coverage(q: Question, fact: Fact) -> tuple[float, float]:
    if not q.entities:
        # A figure about a named drug or trial is not the answer to a question naming none.
        return 1.0, (0.25 if fact.entities else 0.6)
    shared = q.entities & fact.entities
    coverage = len(shared) / len(q.entities)
    named = fact.entities if fact.named is None or not fact.named else fact.named
    # Named in the figure's own sentence, and with nothing else named, beats named nearby.
    precision = len(q.entities & named) / len(q.entities | named)
    return coverage, 0.8 * coverage + 0.2 * precision


def _population(q: Question, fact: Fact, vocab: Vocabulary) -> float:
    score = _population_fit(q, fact, vocab)
    return min(score, 0.4) if fact.subset else score  # a part of a count is not the count asked for


def _population_fit(q: Question, fact: Fact, vocab: Vocabulary) -> float:
    whole, comparators = vocab.whole, vocab.comparators
    asked = q.populations - whole
    stated = fact.populations - whole
    if asked == stated:
        return 1.0 if asked or not comparators & fact.populations else 0.1
    if not asked:
        if whole & q.populations:
            return 0.05
        if comparators & stated:
            return 0.1
        # Unasked, a table's overall cohort is the answer; a sentence's subgroup may still be.
        return 0.35 if fact.kind is Kind.cell else 0.6
    if not stated:
        if whole & fact.populations:
            return 0.05
        # Tables state their populations; prose about the field as a whole (naming no drug or
        # trial) often leaves them to the context, but a named trial's figure that never says it
        # is for the population asked is no answer.
        return 0.3 if fact.kind is Kind.sentence and not q.entities and not fact.entities else 0.2
    if asked < stated:
        return 0.4
    if stated < asked:
        return 0.5
    return 0.0


def _measure(q: Question, fact: Fact, coverage: float, vocab: Vocabulary) -> float | None:
    """How well the fact's measure (or, for measure-less questions, its words and unit) fits; None: not at all."""
    if q.measure:
        if fact.whole_row and vocab.textual(q.measure):
            measure = 0.9  # a row of a table whose rows are trials
        elif (q.measure == vocab.count_measure and fact.measure is None and fact.unit is None and fact.value is not None
              and fact.value.is_integer() and len(q.keywords & fact.clause_keywords) >= 2):
            measure = 0.8  # "how many progressed within 6 months": "46 (75%) having progressed within 6 months"
        elif fact.measure != q.measure and fact.about == q.measure:
            measure = 0.9  # the effect size of the outcome asked about ("mean difference in the KCCQ score")
        elif fact.measure != q.measure:
            return None
        else:
            measure = 1.0
        topic = q.keywords - q.population_words
        if not q.entities and topic and not topic & fact.keywords and q.extreme is None:
            return None  # naming no entity, the question's own words say what it is about (a comparison's
            # words name the class compared, "which drug …", that its figures need not repeat)
    else:
        if fact.status is Status.sentence:
            overlap = len(q.keywords & fact.keywords)
            if not q.asks_text or overlap < max(2, len(q.keywords) / 2) or (q.entities and coverage < 0.99):
                return None
            measure = min(0.8, 0.3 * overlap)
        elif fact.whole_row:
            measure = 0.8 if coverage >= 0.99 and q.entities and q.asks_text else 0.0
        elif not q.asks_quantity or fact.measure is not None:
            return None  # a question naming no measure is not asking for an ORR or a PFS
        else:
            # Words near the number count fully, words elsewhere in its sentence half.
            overlap = len(q.keywords & fact.clause_keywords) + 0.5 * len((q.keywords & fact.keywords) - fact.clause_keywords)
            unit_hit = 1.0 if q.units and fact.unit in q.units else 0.0
            if not unit_hit and "count" in q.units and fact.unit is None and fact.value is not None and fact.value.is_integer():
                unit_hit = 0.5
            if q.keywords and not overlap:
                return None
            if q.units and fact.unit is None and "count" not in q.units:
                return None  # asked how long or how large, a bare number is no answer
            cover = min(1.0, overlap / max(1, len(q.keywords)))
            measure = 0.5 * unit_hit + 0.5 * cover if q.units else cover
        if measure <= 0.0:
            return None
    return measure


def score(q: Question, fact: Fact, support: float, vocab: Vocabulary) -> Scored | None:
    """Score how well ``fact`` answers ``q``; None when it cannot be the answer.

    Args:
        q: The analysed question.
        fact: A fact of a supporting passage.
        support: How well the fact's sentence or row matches the question (step 1), 0..1.
        vocab: The domain vocabulary.
    """
    if q.landmark and fact.landmark != q.landmark and fact.status is not Status.sentence:
        return None  # a 1-year rate does not answer a 2-year question
    coverage, entity = _coverage(q, fact)
    if q.entities and coverage < 0.5:
        return None
    if q.drugs and not q.drugs & fact.entities:
        return None  # a figure for another drug is never the answer
    measure = _measure(q, fact, coverage, vocab)
    if measure is None:
        return None
    population = _population(q, fact, vocab)
    if population == 0.0 or (q.populations - vocab.whole and population < 0.3):
        return None
    unit = 1.0
    if q.units and fact.unit and fact.unit not in q.units:
        if not q.measure or fact.unit not in vocab.measure_by_key[q.measure].units:
            return None
        unit = 0.6
    keyword = len(q.keywords & fact.keywords) / max(1, len(q.keywords))
    if not q.entities:
        keyword *= 5  # with no entity named, the question's words are what it is about
    bonus = (0.05 if fact.kind is Kind.cell else 0.0) + 0.1 * support
    bonus += 0.03 if fact.explicit else 0.0
    if q.measure and q.keywords:
        # Words that qualify the measure ("progressed within 6 months") should stand near the figure.
        bonus += 0.15 * len(q.keywords & fact.clause_keywords) / len(q.keywords)
    if fact.value is not None and fact.value in q.numbers:
        bonus -= 0.3  # a figure the question itself states is context, not the answer
    total = 0.35 * entity + 0.25 * measure + 0.25 * population + 0.1 * unit + 0.05 * keyword + bonus
    return Scored(fact, total, coverage, population)


def same_value(a: Fact, b: Fact) -> bool:
    """Whether two facts state the same figure."""
    if a.status != b.status:
        return False
    if a.status in {Status.not_reached, Status.not_reported}:
        return True
    if a.status in {Status.text, Status.sentence}:
        return a.text.replace(" ", "").lower() == b.text.replace(" ", "").lower()
    return (a.value, a.low, a.high) == (b.value, b.low, b.high)


class Outcome(str, Enum):
    """What a decision says."""

    answer = "answer"
    conflict = "conflict"  # equally specific sources state different values
    not_reported = "not_reported"  # the source says the figure is not reported
    not_in_corpus = "not_in_corpus"


@dataclass
class Decision:
    """The outcome: the facts to cite, in order, and how to read them."""

    kind: Outcome
    facts: list[Scored]
    best: Scored | None


def _rival(s: Scored, best: Scored, q: Question) -> bool:
    """``s`` answers exactly what ``best`` answers — same measure, entity and population, same side of a
    comparison, and a figure of the same kind (a count is no rival for a rate) — so a different value disagrees."""
    a, b = s.fact, best.fact
    if a.status is Status.not_reported or s.coverage < 0.99 or s.population < 0.99 or a.comparator != b.comparator:
        return False
    if a.measure != b.measure or q.measure != a.measure:
        return False
    both_values = a.status is Status.value and b.status is Status.value
    return not (both_values and (a.unit != b.unit or (a.of is None) != (b.of is None)))


def decide(q: Question, candidates: list[Scored]) -> Decision:
    """Pick the answer among scored candidates, detect disagreement, or abstain."""
    if q.unknown and not q.entities and (q.measure or q.unknown_drugs):
        return Decision(Outcome.not_in_corpus, [], None)
    ranked = sorted(candidates, key=lambda s: (-s.score, s.fact.kind is not Kind.cell, s.fact.quote_start))
    if not ranked or ranked[0].score < MIN_SCORE:
        return Decision(Outcome.not_in_corpus, [], ranked[0] if ranked else None)
    best = ranked[0]
    exact = q.measure is not None and bool(q.entities) and best.coverage >= 0.99 and best.population >= 0.99
    close = [s for s in ranked if s.score >= best.score - CONFLICT_MARGIN]
    if best.fact.status is Status.not_reported:
        stated = [s for s in close if s.fact.status is not Status.not_reported and s.coverage >= best.coverage
                  and s.population >= best.population]
        if not stated:
            return Decision(Outcome.not_reported, [best], best)
        best = stated[0]
    agreeing = [s for s in close if s is not best and same_value(s.fact, best.fact)]
    cell = next((s for s in agreeing if s.fact.kind is Kind.cell and s.coverage >= best.coverage
                 and s.population >= best.population), None)
    if best.fact.kind is not Kind.cell and cell is not None:
        # Where a table cell states the same figure, it is the source to show first.
        agreeing = [best, *(s for s in agreeing if s is not cell)]
        best = cell
    if exact:
        rivals: list[Scored] = []
        for s in close:
            if _rival(s, best, q) and not same_value(s.fact, best.fact) and all(
                    not same_value(s.fact, r.fact) for r in rivals):
                rivals.append(s)
        if rivals:
            return Decision(Outcome.conflict, [best, *rivals, *agreeing[:1]], best)
    return Decision(Outcome.answer, [best, *agreeing[:2]], best)
