"""Facts: every figure a document states, with what it measures, for whom and about what.

A fact is read from a table cell (``qa/cells.py``) or from a sentence (``qa/statements.py``);
this module holds the type and the readers they share. Facts are built once when an index
is loaded; answering a question only scores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import Stemmer

from citeqa.ingest.models import Table, TableRow
from citeqa.qa.vocabulary import IMPLIES, MEASURES, POPULATIONS, SYNONYMS

_stemmer = Stemmer.Stemmer("english")


def stems(text: str) -> set[str]:
    """Lower-cased stems of the words of ``text``, the field's synonyms folded together."""
    words = _stemmer.stemWords([w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", text)])
    return {SYNONYMS.get(w, w) for w in words}


@dataclass
class Fact:
    """One stated figure (or a stated absence of one) and where it is written."""

    kind: str  # "cell" or "sentence"
    doc_id: str
    status: str  # value | text | not_reported | not_reached
    value: float | None
    unit: str | None
    low: float | None
    high: float | None
    text: str  # the value as written
    measure: str | None
    populations: frozenset[str]
    entities: frozenset[str]
    entity_label: str
    quote_start: int
    quote_end: int
    value_start: int
    value_end: int
    references: list[int]
    section: str | None
    keywords: set[str] = field(default_factory=set)
    clause_keywords: set[str] = field(default_factory=set)
    table: Table | None = None
    row: TableRow | None = None
    column: str | None = None
    comparator: bool = False
    explicit: bool = True  # the entity is named where the figure is, not in an earlier sentence
    landmark: tuple[int, str] | None = None  # "1-year OS": the time point the figure is read at
    named: frozenset[str] | None = None  # entities named in the figure's own sentence (None: same as entities)


def measure_of(label: str) -> str | None:
    """The first measure named in a label or clause."""
    found = find_measures(label)
    return found[0][0] if found else None


def find_measures(text: str) -> list[tuple[str, int, int]]:
    """Measures named in ``text`` as (key, start, end), longest patterns first, in text order."""
    taken: list[tuple[str, int, int]] = []
    for measure in MEASURES:
        for match in measure.pattern.finditer(text):
            if all(match.end() <= s or match.start() >= e for _, s, e in taken):
                taken.append((measure.key, match.start(), match.end()))
    return sorted(taken, key=lambda t: t[1])


def populations_in(text: str) -> list[tuple[str, int]]:
    """Population features mentioned in ``text`` with their positions, implied ones added."""
    found: list[tuple[str, int]] = []
    negated: list[tuple[int, int]] = []
    for pop in POPULATIONS:
        for match in pop.pattern.finditer(text):
            if pop.key == "without_cart":
                negated.append(match.span())
            found.append((pop.key, match.start()))
            found.extend((implied, match.start()) for implied in IMPLIES.get(pop.key, ()))
    # "without prior CAR T" is not "prior CAR T"
    found = [(k, p) for k, p in found if not (k == "post_cart" and any(a <= p < b for a, b in negated))]
    return sorted(found, key=lambda t: t[1])
