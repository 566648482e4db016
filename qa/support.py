"""Step 1 of answering: find the sentences of the retrieved passages that support an answer.

Each sentence (or table row) of the retrieved passages is scored against the question by
- dense similarity between the question's vector and the sentence's (computed at index time),
- term coverage: the share of the question's words it contains, each weighted by how rare the word
  is in the corpus (idf), abbreviations read both ways ("LVEF" / "left ventricular ejection fraction");
  the noun a "which/what" question asks for weighs double, a word the corpus never writes not at all,
- the question's entities (drugs, trials; aliases and spelling variants resolved) named in it or in
  the sentence its paragraph is about,
- the measure and population asked for, when it names them,
- for a question about an effect or a comparison, whether the sentence states a finding,
- for a "why" question, whether the sentence gives a reason (a causal connective),
- whether the sentence only states what its document sets out to do ("We review …"): it restates
  the topic and answers nothing,
- the rank of the passage it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from citeqa.index.retriever import Passage
from citeqa.ingest.markers import SUPERSCRIPT_DIGITS
from citeqa.qa.lexicon import Lexicon, word_tokens
from citeqa.qa.numbers import BRACKET_MARKER
from citeqa.qa.passages import PassageStore, Unit
from citeqa.qa.question import Question

DENSE = 0.3
COVERAGE = 0.3
ENTITY = 0.1
PRIOR = 0.1
MEASURE = 0.0
POPULATION = 0.05
DEFINES = 0.2
RESULT = 0.12
OUTCOME = 0.7
"""Share of the term coverage given to the outcome's words when a comparison names one."""
OUTCOME_DENSE = 0.7
"""Share of the dense similarity given to the outcome's embedding when a comparison names one."""
REASON = 0.1
"""Added for a "why" question when the sentence gives a reason (a causal connective)."""
ADVICE = 0.1
"""Added for a question asking what to do or what the authors recommend when the sentence gives advice
("should", "we consider", "is reserved for"), and taken off a case report's narrative for it (the same size
as :data:`REASON`, the other question-kind cue)."""
AIM = 0.1
"""Taken off a sentence that states what its document sets out to do ("We review …", "The aim of this study …"):
it restates the topic and reports no finding."""
CITED = 0.1
"""Taken off a sentence that credits a finding to other studies by a citation marker ("… [2-4,6]") when a
comparison is asked: a primary report's own result answers it, its background does not."""
_SUP = f"[{SUPERSCRIPT_DIGITS}]+"
_CITES = re.compile(rf"{BRACKET_MARKER.pattern}|{_SUP}(?:[-–,]{_SUP})*")
FOCUS = 2.0
"""Weight factor of the noun a "which/what" question asks for ("Which toxicities …")."""
# After an entity's name: an apposition or a copula that says what it is ("X, a CD20×CD3 bispecific",
# "X is an antibody drug conjugate", "X (a humanized anti-CD52 antibody)").
_DEFINITION_AFTER = re.compile(
    r"(?:\s*\([^)]{1,40}\))?(?:\s+[a-z]+)?(?:\s*\([^)]{1,40}\))?(?:\s*,\s*(?:a|an)\s|\s+(?:is|was|are|were)\s+(?:a|an|the)\s|"
    r"\s*\((?:a|an)\s|\s*\((?=[^)]*\b(?:agonist|antagonist|inhibitor|antibody|conjugate|vaccine|cells?)\b))")

# English connectives of a reason or cause.
_REASON = re.compile(r"\b(?:because|due to|owing to|given (?:that|the|their|our|his|her)?|since|as a result|result(?:s|ed)? (?:in|from)|"
                     r"caus\w*|lead(?:s|ing)? to|led to|attribut\w* to|explain\w*|driven by|reflect\w*|therefore|thus|hence|"
                     r"mechanisms? of|understanding of)\b|^\s*As\b", re.IGNORECASE)
# The noun a "which/what" question asks for ("Which toxicities …", "What kind of drug …"): its answer names one.
_FOCUS = re.compile(r"\s*(?:in |of |for )?(?:which|what)\s+(?:(?:kind|type|class|sort|form)s?\s+of\s+)?([A-Za-z][\w-]*)", re.IGNORECASE)
# English wordings of advice: what should be done, what the authors recommend, prefer or reserve.
_ADVICE = re.compile(r"\b(?:should|must|ought to|recommend\w*|advis\w*|we (?:consider|favou?r|prefer|suggest|propose|use)|"
                     r"(?:is|are) preferred|reserved for|(?:highest |first )?priority|(?:is|are|remains?) (?:a |an |the )?"
                     r"(?:reasonable|appropriate|preferred|potential|standard|best) (?:option|strategy|approach|choice)s?|"
                     r"(?:our|the) preferred (?:option|strategy|approach|choice)|in our (?:practice|experience|approach))\b",
                     re.IGNORECASE)
# A section telling one patient's story ("Clinical case", "Case presentation", "Case report").
_CASE_SECTION = re.compile(r"\bcase\b", re.IGNORECASE)
# A document stating its own aim or scope.
_AIM = re.compile(r"\b(?:we|this (?:article|paper|review|study)|here,? we|the (?:aims?|objectives?|purpose) of (?:this|the present) "
                  r"(?:study|trial|review|work))\b[^.]{0,40}?\b(?:review\w*|summari[sz]\w*|discuss\w*|describ\w*|highlight\w*|"
                  r"aim\w*|sought|set out|was to|is to|were to|explor\w*)\b", re.IGNORECASE)


@dataclass
class Support:
    """How well one unit supports an answer to the question."""

    unit: Unit
    index: int
    score: float
    dense: float
    coverage: float
    entity: float
    rank: int
    missing: list[str]
    """Question words of weight that the unit lacks."""
    defines: bool = False
    """It says what the question's entity is (for "what is X" questions)."""
    strength: float = 0.0
    """How strongly it supports an answer: its score with the question's words that the corpus never
    writes counted as missing (they cannot rank sentences, but they say the corpus may not answer)."""


# Pronouns of one person: a question about "her" matches a sentence about what "she" did.
_SAME_PERSON = {"her": ("she",), "she": ("her",), "his": ("him",), "him": ("his",)}


@dataclass
class _Term:
    weight: float
    alternatives: tuple[frozenset[str], ...]
    word: str


def question_terms(q: Question, store: PassageStore, lexicon: Lexicon) -> list[_Term]:
    """The question's content words as weighted terms, abbreviations with their long forms as alternatives."""
    vocab = lexicon.domain
    terms: dict[str, _Term] = {}
    match = _FOCUS.match(q.text)
    focus = match.group(1).lower() if match else ""
    for word in word_tokens(q.text):
        stems = vocab.stems(word)
        if not stems or not stems & q.terms or word.lower() in q.entity_words or lexicon.concepts(word):
            continue  # a form word, or an entity name (scored as an entity)
        stem = min(stems, key=lambda s: store.df.get(s, 0))
        alternatives = [frozenset({stem})] + [frozenset({p}) for p in _SAME_PERSON.get(stem, ())]
        long = lexicon.abbreviations.get(word.lower())
        if long:
            alternatives.append(frozenset(vocab.stems(long)))
        weight = store.idf(stem) * (FOCUS if word.lower() == focus else 1.0)
        terms.setdefault(stem, _Term(weight, tuple(alternatives), word))
    return list(terms.values())


def defines(unit: Unit, entities: set[str], lexicon: Lexicon) -> bool:
    """Whether ``unit`` says what one of ``entities`` is: an apposition or copula after its name, or a
    table row labelled with it."""
    if unit.kind == "table_row":
        return bool(unit.label and lexicon.entities_in(unit.label) & entities)
    text = unit.text
    for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9]*(?:[-+'][A-Za-z0-9]+)*", text):
        if lexicon.concepts(match.group()) & entities and _DEFINITION_AFTER.match(text, match.end()):
            return True
    return False


def _prior(rank: int) -> float:
    return 1.0 / (1.0 + rank / 4.0)


def supporting(
    q: Question,
    query_vector: np.ndarray,
    passages: list[Passage],
    store: PassageStore,
    lexicon: Lexicon,
    outcome_vector: np.ndarray | None = None,
) -> list[Support]:
    """Score every unit of ``passages`` against ``q``, best first.

    Args:
        q: The analysed question.
        query_vector: The question's embedding (the one retrieval used).
        passages: The retrieved passages, best first.
        store: What each passage holds.
        lexicon: The corpus's entity vocabulary.
        outcome_vector: The embedding of the outcome a comparison asks about (:attr:`Question.outcome`).

    Returns:
        One :class:`Support` per unit of the passages (a unit shared by two passages once).
    """
    indexes: list[int] = []
    ranks: list[int] = []
    seen: set[int] = set()
    for rank, passage in enumerate(passages):
        row = store.index.row_by_id.get(passage.chunk.id)
        if row is None:
            continue
        for u in store.units_of(row):
            if u not in seen:
                seen.add(u)
                indexes.append(u)
                ranks.append(rank)
    if not indexes:
        return []
    vectors = store.vectors[np.asarray(indexes)]
    dense = vectors @ np.asarray(query_vector, dtype=np.float32)
    if outcome_vector is not None:  # as close to the outcome asked about as to the whole question
        dense = (1 - OUTCOME_DENSE) * dense + OUTCOME_DENSE * (vectors @ np.asarray(outcome_vector, dtype=np.float32))
    terms = question_terms(q, store, lexicon)
    # A word the corpus never writes tells no sentence from another: it is left out of the ranking, and
    # counts as missing only in how strongly the best sentence supports an answer (``Support.strength``).
    written = [t for t in terms if any(store.df.get(s, 0) for alt in t.alternatives for s in alt)] or terms
    unseen_weight = sum(t.weight for t in terms if t not in written)
    terms = written
    total = sum(t.weight for t in terms)
    outcome = lexicon.domain.stems(q.outcome) if q.outcome else set()
    outcome_terms = [t for t in terms if any(alt & outcome for alt in t.alternatives)]
    outcome_total = sum(t.weight for t in outcome_terms)
    entity_weight = max((t.weight for t in terms), default=1.0) if q.entities else 0.0
    seen_share = (total + entity_weight) / max(total + unseen_weight + entity_weight, 1e-9)
    out = []
    for i, u in enumerate(indexes):
        unit = store.units[u]
        covered = [t for t in terms if any(alt <= unit.stems for alt in t.alternatives)]
        entity = len(q.entities & unit.entities) / len(q.entities) if q.entities else 1.0
        coverage = (sum(t.weight for t in covered) + entity_weight * entity) / max(total + entity_weight, 1e-9)
        if outcome_total:
            on_outcome = sum(t.weight for t in outcome_terms if t in covered) / outcome_total
            coverage = (1 - OUTCOME) * coverage + OUTCOME * on_outcome
        score = DENSE * float(dense[i]) + COVERAGE * coverage + ENTITY * entity + PRIOR * _prior(ranks[i])
        if q.measure and q.measure in unit.measures:
            score += MEASURE
        if q.populations and q.populations & unit.populations:
            score += POPULATION
        definition = (entity > 0 and bool(q.entities) and (q.defines or unit.kind == "table_row")
                      and defines(unit, q.entities, lexicon))  # read only where it counts
        if definition:
            score += DEFINES if q.defines else DEFINES / 2  # a row about the entity answers "which/what" of it
        if q.compares and unit.result:
            score += RESULT  # a finding answers "what was the effect of X compared with Y"
        if q.why and _REASON.search(unit.text):
            score += REASON  # "why …?" is answered by a sentence that gives a reason
        in_case = bool(_CASE_SECTION.search(unit.section or ""))
        if q.advice and not q.case:
            score += ADVICE * (bool(_ADVICE.search(unit.text)) - in_case)  # the authors' advice, not the story
        if _AIM.search(unit.text):
            score -= AIM
        if q.compares and _CITES.search(unit.text):
            score -= CITED  # a finding credited to other studies is not this report's own
        missing = [t.word for t in terms if t not in covered]
        strength = score - COVERAGE * coverage * (1 - seen_share)
        out.append(Support(unit, u, score, float(dense[i]), coverage, entity, ranks[i], missing, definition, strength))
    out.sort(key=lambda s: -s.score)
    return out
