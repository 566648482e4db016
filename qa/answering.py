"""Choose the fact that answers a question, or abstain; report disagreement between sources."""

from __future__ import annotations

from dataclasses import dataclass

from citeqa.qa.facts import Fact
from citeqa.qa.lexicon import DRUG as DRUGLIKE
from citeqa.qa.question import Question
from citeqa.qa.vocabulary import MEASURE_BY_KEY

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


def _population(q: Question, fact: Fact) -> float:
    asked = q.populations - {"overall"}
    stated = fact.populations - {"overall"}
    if asked == stated:
        return 1.0 if asked or "control" not in fact.populations else 0.1
    if not asked:
        if "overall" in q.populations:
            return 0.05
        if "control" in stated:
            return 0.1
        # Unasked, a table's overall cohort is the answer; a sentence's subgroup may still be.
        return 0.35 if fact.kind == "cell" else 0.6
    if not stated:
        if "overall" in fact.populations:
            return 0.05
        # Tables state their populations; prose about the field as a whole often leaves
        # them to the context, but a trial's figure for the wrong population is no answer.
        return 0.3 if fact.kind == "sentence" and not q.entities else 0.2
    if asked < stated:
        return 0.4
    if stated < asked:
        return 0.5
    return 0.0


def _measure(q: Question, fact: Fact, coverage: float) -> float | None:
    """How well the fact's measure (or, for measure-less questions, its words and unit) fits; None: not at all."""
    if q.measure:
        if fact.measure == "row" and q.measure in {"trial", "identifier"}:
            measure = 0.9  # a row of a table whose rows are trials
        elif (q.measure == "n" and fact.measure is None and fact.unit is None and fact.value is not None
              and fact.value.is_integer() and len(q.keywords & fact.clause_keywords) >= 2):
            measure = 0.8  # "how many progressed within 6 months": "46 (75%) having progressed within 6 months"
        elif fact.measure != q.measure:
            return None
        else:
            measure = 1.0
        if not q.entities and q.keywords and not q.keywords & fact.keywords:
            return None  # naming no entity, the question's own words say what it is about
    else:
        if fact.measure == "sentence":
            overlap = len(q.keywords & fact.keywords)
            if not q.asks_text or overlap < max(2, len(q.keywords) / 2) or (q.entities and coverage < 0.99):
                return None
            measure = min(0.8, 0.3 * overlap)
        elif fact.measure == "row":
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


def score(q: Question, fact: Fact, retrieved: set[tuple[str, int]]) -> Scored | None:
    """Score how well ``fact`` answers ``q``; None when it cannot be the answer."""
    if q.landmark and fact.landmark != q.landmark and fact.status != "sentence":
        return None  # a 1-year rate does not answer a 2-year question
    coverage, entity = _coverage(q, fact)
    if q.entities and coverage < 0.5:
        return None
    if q.drugs and not q.drugs & fact.entities:
        return None  # a figure for another drug is never the answer
    measure = _measure(q, fact, coverage)
    if measure is None:
        return None
    population = _population(q, fact)
    if population == 0.0 or (q.populations - {"overall"} and population < 0.3):
        return None
    unit = 1.0
    if q.units and fact.unit and fact.unit not in q.units:
        if not q.measure or fact.unit not in MEASURE_BY_KEY[q.measure].units:
            return None
        unit = 0.6
    keyword = len(q.keywords & fact.keywords) / max(1, len(q.keywords))
    if not q.entities:
        keyword *= 5  # with no entity named, the question's words are what it is about
    bonus = (0.05 if fact.kind == "cell" else 0.0) + (0.05 if (fact.doc_id, fact.quote_start) in retrieved else 0.0)
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
    if a.status in {"not_reached", "not_reported"}:
        return True
    if a.status in {"text", "sentence"}:
        return a.text.replace(" ", "").lower() == b.text.replace(" ", "").lower()
    return (a.value, a.low, a.high) == (b.value, b.low, b.high)


@dataclass
class Decision:
    """The outcome: the facts to cite, in order, and how to read them."""

    kind: str  # answer | conflict | not_reported | not_in_corpus
    facts: list[Scored]
    best: Scored | None


def decide(q: Question, candidates: list[Scored]) -> Decision:
    """Pick the answer among scored candidates, detect disagreement, or abstain."""
    if q.unknown and not q.entities and (q.measure or any(DRUGLIKE.match(w.lower()) for w in q.unknown)):
        return Decision("not_in_corpus", [], None)
    ranked = sorted(candidates, key=lambda s: (-s.score, s.fact.kind != "cell", s.fact.quote_start))
    if not ranked or ranked[0].score < MIN_SCORE:
        return Decision("not_in_corpus", [], ranked[0] if ranked else None)
    best = ranked[0]
    exact = q.measure is not None and bool(q.entities) and best.coverage >= 0.99 and best.population >= 0.99
    close = [s for s in ranked if s.score >= best.score - CONFLICT_MARGIN]
    if best.fact.status == "not_reported":
        stated = [s for s in close if s.fact.status != "not_reported" and s.coverage >= best.coverage and s.population >= best.population]
        if not stated:
            return Decision("not_reported", [best], best)
        best = stated[0]
    agreeing = [s for s in close if s is not best and same_value(s.fact, best.fact)]
    cell = next((s for s in agreeing if s.fact.kind == "cell" and s.coverage >= best.coverage
                 and s.population >= best.population), None)
    if best.fact.kind != "cell" and cell is not None:
        # Where a table cell states the same figure, it is the source to show first.
        agreeing = [best, *(s for s in agreeing if s is not cell)]
        best = cell
    if exact:
        rivals: list[Scored] = []
        for s in close:
            if (s.fact.status == "not_reported" or s.coverage < 0.99 or s.population < 0.99
                    or s.fact.comparator != best.fact.comparator or q.measure not in {s.fact.measure, "row"}
                    or best.fact.measure != s.fact.measure):
                continue
            if not same_value(s.fact, best.fact) and all(not same_value(s.fact, r.fact) for r in rivals):
                rivals.append(s)
        if rivals:
            return Decision("conflict", [best, *rivals, *agreeing[:1]], best)
    return Decision("answer", [best, *agreeing[:2]], best)
