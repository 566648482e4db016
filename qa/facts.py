"""Facts: every figure a document states, with what it measures, for whom and about what.

A fact is read from a table cell (``qa/cells.py``) or from a sentence (``qa/statements.py``);
this module holds the type. Facts are built per chunk when an index is loaded
(:class:`citeqa.qa.passages.PassageStore`); a question only scores the facts of the passages
retrieved for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from citeqa.ingest.models import Table, TableRow


class Kind(str, Enum):
    """Where a fact is written."""

    cell = "cell"  # a table cell (or a whole table row)
    sentence = "sentence"  # a sentence of running text


class Status(str, Enum):
    """What a fact states."""

    value = "value"  # a figure
    text = "text"  # a textual cell (a trial name, an identifier, a row's summary)
    not_reported = "not_reported"  # a "—" or "Not reported" cell
    not_reached = "not_reached"  # "median not reached"
    sentence = "sentence"  # the whole sentence (answers text questions)


@dataclass
class Fact:
    """One stated figure (or a stated absence of one) and where it is written.

    ``[quote_start, quote_end)`` is the sentence or table row to cite, ``[value_start, value_end)``
    the figure inside it; both index the document's text.
    """

    kind: Kind
    doc_id: str
    status: Status
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
    whole_row: bool = False  # a table row as a whole (trial name, identifier, design), not one cell
    subset: bool = False  # a part of the count before it ("19 (n=15 DLBCL) patients")
    ci_low: float | None = None
    ci_high: float | None = None
    of: float | None = None  # the denominator of "13 of 33"
    operator: str | None = None  # "<" of "p < 0.001"
    clause: tuple[int, int] | None = None  # the clause holding the figure, document offsets
    about: str | None = None  # for an effect size or p-value: the outcome measure it is about

    @property
    def key(self) -> tuple[str, int]:
        """The sentence or row the fact belongs to: (doc_id, quote start)."""
        return (self.doc_id, self.quote_start)
