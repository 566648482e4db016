"""Step 1 of answering: find the sentences of the retrieved passages that support an answer.

Each sentence (or table row) of the retrieved passages is described by a row of features
(:class:`citeqa.qa.support_model.Feature`) and scored by the support model, a ranker trained on the shared
benchmarks (``docs/support-model.md``). The features:

- dense similarity between the question's vector and the sentence's (computed at index time), and its gap
  to the best of the retrieved sentences;
- term coverage: the share of the question's words it contains, each weighted by how rare the word
  is in the corpus (idf), abbreviations read both ways ("LVEF" / "left ventricular ejection fraction");
  the noun a "which/what" question asks for weighs double, a word the corpus never writes not at all;
  and its gap to the best coverage;
- the question's entities (drugs, trials; aliases and spelling variants resolved) named in it or in
  the sentence its paragraph is about;
- the measure and population asked for, when it names them; whether it holds a figure;
- for a question about an effect or a comparison, whether the sentence states a finding and how much of
  the outcome asked about it names; whether it credits the finding to other studies;
- for a "why" question, whether the sentence gives a reason (a causal connective); for a question asking
  what to do, whether it gives advice or tells a case's story;
- whether the sentence only states what its document sets out to do ("We review …");
- its kind, length, section, and the rank of the passage it comes from.
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
from citeqa.qa.support_model import HAND, Feature, SupportModel, shipped_support_model

OUTCOME = 0.7
"""Share of the term coverage given to the outcome's words when a comparison names one."""
OUTCOME_DENSE = 0.7
"""Share of the dense similarity given to the outcome's embedding when a comparison names one."""
LONG_UNIT = 600
"""Characters at which a unit counts as long (:attr:`Feature.length` is capped there): about four sentences."""
_DIGIT = re.compile(r"\d")
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
    """The support model's probability that the unit holds the answer."""
    rank: int
    """The rank of the passage it comes from."""
    missing: list[str]
    """Question words of weight that the unit lacks."""
    strength: float
    """How strongly it supports an answer, the gate an open answer must pass: its score under the hand-set
    weights (:data:`citeqa.qa.support_model.HAND`) with the question's words that the corpus never writes
    counted as missing (they cannot rank sentences, but they say the corpus may not answer). It stays
    hand-set until an abstention model is trained: the training questions hold too few unanswerable ones
    for the support model's probability to gate on (with it, "How does sacubitril work?" was answered from a
    report that never names it)."""
    features: np.ndarray
    """Its :class:`Feature` row (what the support model scored)."""

    @property
    def dense(self) -> float:
        return float(self.features[Feature.dense])

    @property
    def coverage(self) -> float:
        return float(self.features[Feature.coverage])

    @property
    def entity(self) -> float:
        return float(self.features[Feature.entity])

    @property
    def defines(self) -> bool:
        """It says what the question's entity is (for "what is X" questions), or is a row labelled with it."""
        return bool(self.features[Feature.defines_asked] or self.features[Feature.defines_row])


CLIPPED_DF = 2
"""A question word the corpus writes in fewer sentences than this also matches the words it begins ("chemo":
"chemotherapy"): a clipped form the corpus uses itself, in many sentences, stands for itself."""

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
        stem = min(sorted(stems), key=lambda s: store.df.get(s, 0))  # sorted: one choice among equals
        alternatives = [frozenset({stem})] + [frozenset({p}) for p in _SAME_PERSON.get(stem, ())]
        long = lexicon.abbreviations.get(word.lower())
        if long:
            alternatives.append(frozenset(vocab.stems(long)))
        if store.df.get(stem, 0) < CLIPPED_DF:  # "chemo": written in full ("chemotherapy") where it is written at all
            alternatives += [frozenset(vocab.stems(w)) for w in lexicon.forms.completions(word)]
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


def in_case(unit: Unit) -> bool:
    """Whether ``unit`` is in a section telling one patient's story ("Clinical case", "Case report")."""
    return bool(_CASE_SECTION.search(unit.section or ""))


_ASKS_WHETHER = re.compile(r"\bto (?:determine|examine|investigate|assess|evaluate|test|explore|establish|ascertain|clarify) "
                           r"(?:whether|if)\b|\b(?:future|further) (?:studies|research|work|trials)\b[^.]{0,60}\bwhether\b",
                           re.IGNORECASE)
_FOUND = re.compile(r"\b(?:found|showed|shown|demonstrated|revealed|indicated)\b", re.IGNORECASE)


_GLOSSARY_ITEM = re.compile(r"(?:^|;\s*)[^,;]{1,15},\s+[^;]{2,80}")
GLOSSARY_ITEMS = 3
"""Items of "short, long" that make a text a list of abbreviations (two is a sentence with a comma)."""


def glossary(text: str) -> bool:
    """Whether ``text`` lists abbreviations ("BR, bendamustine-rituximab; pola, polatuzumab; …"): no finding."""
    return len(_GLOSSARY_ITEM.findall(text)) >= GLOSSARY_ITEMS


def states_aim(text: str) -> bool:
    """Whether ``text`` states what its document sets out to do ("We review …", "The aim of this study …"), or
    poses a question without its answer ("… to determine whether HIIT could alter MVC", "Future studies should
    examine whether …")."""
    return bool(_AIM.search(text)) or bool(_ASKS_WHETHER.search(text) and not _FOUND.search(text))


def _prior(rank: int) -> float:
    return 1.0 / (1.0 + rank / 4.0)


def _features(q: Question, unit: Unit, dense: float, coverage: float, entity: float, rank: int, definition: bool) -> list[float]:
    """One unit's :class:`Feature` row (the two gaps are filled in once the whole group is known)."""
    advice = q.advice and not q.case
    row = [0.0] * len(Feature)
    row[Feature.dense] = dense
    row[Feature.coverage] = coverage
    row[Feature.entity] = entity
    row[Feature.prior] = _prior(rank)
    row[Feature.measure] = float(bool(q.measure) and q.measure in unit.measures)
    row[Feature.population] = float(bool(q.populations & unit.populations))
    row[Feature.defines_asked] = float(definition and q.defines)
    row[Feature.defines_row] = float(definition and not q.defines)
    row[Feature.result] = float(q.compares and unit.result)
    row[Feature.reason] = float(q.why and bool(_REASON.search(unit.text)))
    row[Feature.advice] = float(advice and bool(_ADVICE.search(unit.text)))
    row[Feature.advice_case] = float(advice and in_case(unit))
    row[Feature.aim] = float(states_aim(unit.text))
    row[Feature.cited] = float(q.compares and bool(_CITES.search(unit.text)))
    row[Feature.table_row] = float(unit.kind == "table_row")
    row[Feature.length] = min(len(unit.text), LONG_UNIT) / LONG_UNIT
    row[Feature.number] = float(q.asks_quantity and bool(_DIGIT.search(unit.text)))
    row[Feature.finding] = float(unit.result)
    row[Feature.named] = len(q.entities & unit.named) / len(q.entities) if q.entities else 0.0
    return row


def _candidates(passages: list[Passage], store: PassageStore) -> tuple[list[int], list[int]]:
    """The units of ``passages`` (each once, in passage order) and the rank of the passage each comes from."""
    indexes: list[int] = []
    ranks: list[int] = []
    seen: set[int] = set()
    for rank, passage in enumerate(passages):
        row = store.index.row_by_id.get(passage.chunk.id)
        for u in store.units_of(row) if row is not None else ():
            if u not in seen:
                seen.add(u)
                indexes.append(u)
                ranks.append(rank)
    return indexes, ranks


def _strengths(matrix: np.ndarray, seen_share: float) -> np.ndarray:
    """:attr:`Support.strength` of each row: the hand-set score with the question's unwritten words counted
    as missing (the abstention gate stays on the hand-set scale)."""
    unseen = matrix.copy()
    unseen[:, Feature.coverage] *= seen_share
    unseen[:, Feature.coverage_gap] = unseen[:, Feature.coverage] - matrix[:, Feature.coverage].max()
    return HAND.score(unseen)


def supporting(
    q: Question,
    query_vector: np.ndarray,
    passages: list[Passage],
    store: PassageStore,
    lexicon: Lexicon,
    outcome_vector: np.ndarray | None = None,
    model: SupportModel | None = None,
) -> list[Support]:
    """Score every unit of ``passages`` against ``q``, best first.

    Args:
        q: The analysed question.
        query_vector: The question's embedding (the one retrieval used).
        passages: The retrieved passages, best first.
        store: What each passage holds.
        lexicon: The corpus's entity vocabulary.
        outcome_vector: The embedding of the outcome a comparison asks about (:attr:`Question.outcome`).
        model: Scores each unit's features (default: the shipped support model).

    Returns:
        One :class:`Support` per unit of the passages (a unit shared by two passages once).
    """
    indexes, ranks = _candidates(passages, store)
    if not indexes:
        return []
    model = model or shipped_support_model()
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
    rows, extras = [], []
    for i, u in enumerate(indexes):
        unit = store.units[u]
        covered = [t for t in terms if any(alt <= unit.stems for alt in t.alternatives)]
        entity = len(q.entities & unit.entities) / len(q.entities) if q.entities else 1.0
        coverage = (sum(t.weight for t in covered) + entity_weight * entity) / max(total + entity_weight, 1e-9)
        on_outcome = sum(t.weight for t in outcome_terms if t in covered) / outcome_total if outcome_total else 0.0
        if outcome_total:
            coverage = (1 - OUTCOME) * coverage + OUTCOME * on_outcome
        definition = (entity > 0 and bool(q.entities) and (q.defines or unit.kind == "table_row")
                      and defines(unit, q.entities, lexicon))  # read only where it counts
        row = _features(q, unit, float(dense[i]), coverage, entity, ranks[i], definition)
        row[Feature.outcome] = on_outcome
        row[Feature.finding_section] = float(bool(lexicon.domain.finding_sections.search(unit.section or "")))
        rows.append(row)
        extras.append((u, ranks[i], [t.word for t in terms if t not in covered]))
    matrix = np.asarray(rows, dtype=np.float64)
    matrix[:, Feature.dense_gap] = matrix[:, Feature.dense] - matrix[:, Feature.dense].max()
    matrix[:, Feature.coverage_gap] = matrix[:, Feature.coverage] - matrix[:, Feature.coverage].max()
    scores, strengths = model.score(matrix), _strengths(matrix, seen_share)
    out = [Support(store.units[u], u, float(scores[i]), rank, missing, float(strengths[i]), matrix[i])
           for i, (u, rank, missing) in enumerate(extras)]
    out.sort(key=lambda s: -s.score)
    return out
