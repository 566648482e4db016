"""List questions ("Which bispecific antibodies are options after CAR T?", "List the trials that compared
…"): every named thing of the kind asked for that the supporting passages name, each cited.

A question asks for a list when it begins "list / name / enumerate …" or "which / what (are) (the) …" and
the phrase it asks about ends in a plural the pack lists (``[question] list_nouns``: "antibodies",
"trials", "options"). An item is an entity (a drug, product or trial name of the corpus's lexicon) that an
answering sentence or table row names — not one the question itself names — and that is of that kind:
trial-shaped for the pack's ``trial_nouns``, else drug-shaped, or written in a unit that also writes the
noun asked for ("the CD20×CD3 bispecific antibody glofitamab"), or in a table whose title does. Items
come in the order of their best unit's support; each is cited by that unit. Fewer than :data:`MIN_ITEMS`
items is no list: the question is answered as an open one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from citeqa.qa.answer import Answer
from citeqa.qa.compose import unit_citation
from citeqa.qa.lexicon import Lexicon, word_tokens
from citeqa.qa.passages import TABLE_ROW, PassageStore
from citeqa.qa.question import Question
from citeqa.qa.support import Support
from citeqa.qa.vocabulary import Vocabulary

MIN_ITEMS = 2
"""Fewest items that make a list answer (one item is better answered by its sentences)."""
MAX_ITEMS = 12
"""Most items listed (the retrieved passages rarely name more of one kind)."""
DEPTH = 15
"""Answering units read for items, best first: a list's items are often each in a sentence of its own that
the support model ranks below the sentences speaking of the kind in general ("bispecific antibodies appear
very promising"); 15 reached every bispecific antibody of the review's Table 2 in the review's own text."""
_ASKS_LIST = re.compile(
    r"^\s*(?:please\s+)?(?:(?:list|name|enumerate)\s+(?:all\s+|every\s+|each\s+)?(?:of\s+)?(?:the\s+)?"
    r"|(?:which|what)\s+(?:(?:are|were)\s+)?(?:all\s+)?(?:the\s+)?)"
    r"(?P<kind>(?:[\w×/-]+\s+){0,3}?(?P<noun>[a-z]+s))\b", re.IGNORECASE)


@dataclass(frozen=True)
class ListKind:
    """What a list question asks for: its plural noun ("antibodies") and the words qualifying it
    ("bispecific"), as stems."""

    noun: str
    noun_stems: frozenset[str]
    qualifiers: frozenset[str]
    trials: bool


def list_kind(text: str, vocab: Vocabulary) -> ListKind | None:
    """What ``text`` asks a list of, or None when it asks for no list."""
    match = _ASKS_LIST.match(text)
    noun = match.group("noun").lower() if match else ""
    if noun not in vocab.list_nouns:
        return None
    qualifiers = vocab.stems(match.group("kind")[: match.start("noun") - match.start("kind")])
    return ListKind(noun, frozenset(vocab.stems(noun)), frozenset(qualifiers), noun in vocab.trial_nouns)


def _of_kind(entity: str, s: Support, kind: ListKind, lexicon: Lexicon) -> bool:
    """Whether ``entity``, named in ``s``, is of ``kind``: trial-shaped for trials; else drug-shaped or written
    beside the noun, and not trial-shaped; in a unit that writes every qualifier ("bispecific")."""
    if not kind.qualifiers <= s.unit.stems:
        return False
    trial_shaped = bool(lexicon.domain.trial.match(lexicon.display.get(entity, entity)))
    if kind.trials:
        return trial_shaped
    return lexicon.is_drug(entity) or (bool(kind.noun_stems & s.unit.stems) and not trial_shaped)


def list_answer(q: Question, candidates: list[Support], store: PassageStore, lexicon: Lexicon,
                kind: ListKind) -> Answer | None:
    """Every item of ``kind`` the answering ``candidates`` name (best first), each cited; None when they
    name fewer than :data:`MIN_ITEMS`."""
    items: dict[frozenset[str], tuple[str, Support]] = {}  # the concepts a name stands for → (name, its unit)
    for s in candidates[:DEPTH]:
        found: dict[frozenset[str], str] = {}
        for word in word_tokens(s.unit.text):
            concepts = frozenset(lexicon.concepts(word) - q.entities)
            if concepts and concepts not in items and all(_of_kind(e, s, kind, lexicon) for e in concepts):
                found.setdefault(concepts, word)
        if s.unit.kind == TABLE_ROW and len(found) > 1:  # one row is one item: "ALPHA2 / ALLO-501A / NCT04416984"
            found = {frozenset().union(*found): " / ".join(found.values())}
        items.update((concepts, (name, s)) for concepts, name in found.items())
    if len(items) < MIN_ITEMS:
        return None
    chosen = list(items.values())[:MAX_ITEMS]
    units = {(s.unit.doc_id, s.unit.start): s.unit for _, s in chosen}  # each unit once, in order
    cited = list(units)
    documents, chunks = store.index.documents, store.index.chunks
    citations = [unit_citation(u, documents[u.doc_id], chunks[u.row]) for u in units.values()]
    names = [f"{name} [{cited.index((s.unit.doc_id, s.unit.start)) + 1}]" for name, s in chosen]
    text = f"{len(names)} named in the sources: " + ", ".join(names) + "."
    confidence = min(s.score for _, s in chosen)
    return Answer(q.text, text, None, False, None, False, round(min(1.0, confidence), 3), citations)
