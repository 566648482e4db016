"""What each retrievable passage holds for answering, built once when an index is loaded.

For every chunk: its sentences (the units an answer cites, with their stems, entities, measures and
vectors) and the facts written in them (table cells, figures of sentences). A question then touches
only the sentences and facts of the passages retrieved for it, never the whole corpus.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from citeqa.index.sentences import build_sentence_table
from citeqa.index.store import Index
from citeqa.ingest.markers import find_citations
from citeqa.ingest.models import Chunk, Document
from citeqa.qa.cells import table_facts
from citeqa.qa.facts import Fact, Status
from citeqa.qa.lexicon import Lexicon
from citeqa.qa.statements import sentence_facts

logger = logging.getLogger(__name__)

TABLE_ROW = "table_row"
"""The chunk (and unit) kind of a table row."""
BODY_KINDS = ("text", "caption", TABLE_ROW, "footnote")
"""Chunk kinds whose units can answer (a reference entry or a disclosure cannot)."""


def _row_label(chunk: Chunk, doc: Document) -> str:
    if chunk.kind != "table_row" or chunk.row is None:
        return ""
    table = next((t for t in doc.tables if t.label == chunk.table), None)
    return table.rows[chunk.row].label.value if table is not None and chunk.row < len(table.rows) else ""


def _unit_text(chunk: Chunk, doc: Document, start: int, end: int) -> str:
    """What a unit says: a sentence as written; a table row as its block, label and cells (the title,
    which every row of the table repeats, left out); other chunks as their text."""
    if chunk.kind in ("text", "caption"):
        return doc.text[start:end]
    if chunk.kind == "table_row" and chunk.table and " · " in chunk.text:
        head, rest = chunk.text.split(" · ", 1)
        return rest if head.startswith(chunk.table) else chunk.text
    return chunk.text


@dataclass
class Unit:
    """A sentence (or a table row, caption, footnote, reference entry) that an answer can cite.

    Attributes:
        doc_id: Its document.
        start: Start offset in the document text.
        end: End offset.
        row: The chunk row it belongs to.
        kind: The chunk's kind (text, caption, table_row, footnote, reference).
        text: What it says (a table row restated with its title and headers).
        stems: The stems of ``text`` and of its section's title (the context it is read in).
        entities: Entities it is about: those named in it, else the subject of its paragraph.
        named: Entities named in it.
        measures: Measures it names.
        populations: Populations it names.
        references: Reference numbers it (or its paragraph) cites.
        section: Its section.
        result: It reports a finding (the pack's result phrases: a p-value, "significantly", "compared with"),
            not background.
        facts: Indexes of its facts in :attr:`PassageStore.facts`.
        label: A table row's label ("" for other units).
        heading: A heading (a title, not a statement).
        chunk_id: The id of the chunk it belongs to.
    """

    doc_id: str
    start: int
    end: int
    row: int
    kind: str
    text: str
    stems: frozenset[str]
    entities: frozenset[str]
    named: frozenset[str]
    measures: frozenset[str]
    populations: frozenset[str]
    references: list[int]
    section: str | None
    result: bool
    facts: list[int] = field(default_factory=list)
    label: str = ""
    heading: bool = False
    chunk_id: str = ""


class PassageStore:
    """Sentences, facts and sentence vectors of every chunk of an index.

    Args:
        index: The loaded index (its sentence table is used when present; otherwise each sentence
            takes its chunk's vector).
        lexicon: The corpus's entity vocabulary (with the domain vocabulary).
    """

    def __init__(self, index: Index, lexicon: Lexicon) -> None:
        self.index = index
        self.lexicon = lexicon
        vocab = lexicon.domain
        documents = index.documents
        table = getattr(index, "sentences", None)  # an Index object of an older citeqa has none
        if table is None:
            logger.warning("index at %s has no sentence vectors (built by an older citeqa): sentences are ranked "
                           "by their chunk's vector — rebuild with `citeqa ingest`", index.directory)
            table, _ = build_sentence_table(documents, index.chunks, index.vectors, None)
        self.vectors = np.ascontiguousarray(table.vectors, dtype=np.float32)
        self.bounds = table.bounds(len(index.chunks))
        self.facts: list[Fact] = []
        for doc in documents.values():
            for t in doc.tables:
                self.facts.extend(table_facts(doc, t, lexicon))
            self.facts.extend(sentence_facts(doc, lexicon))
        by_quote: dict[tuple[str, int], list[int]] = {}
        for i, fact in enumerate(self.facts):
            by_quote.setdefault(fact.key, []).append(i)
        sentence_fact = {f.key: f for f in self.facts if f.status is Status.sentence}
        headings = {(d.doc_id, p.start) for d in documents.values() for p in d.paragraphs if p.kind == "heading"}
        self.units: list[Unit] = []
        for i, (row, (start, end)) in enumerate(zip(table.rows.tolist(), table.spans.tolist(), strict=True)):
            chunk = index.chunks[row]
            doc = documents[chunk.doc_id]
            text = _unit_text(chunk, doc, start, end)
            about = sentence_fact.get((chunk.doc_id, start))
            named = about.named if about is not None and about.named is not None else frozenset(lexicon.entities_in(text, chunk.doc_id))
            stems = (about.keywords if about is not None else vocab.stems(text)) | vocab.stems(chunk.section or "")
            refs = about.references if about else sorted(
                {n for c in find_citations(doc.text, start, end) for n in c.numbers} | set(chunk.references))
            self.units.append(Unit(
                chunk.doc_id, start, end, row, chunk.kind, text, frozenset(stems),
                named or (about.entities if about else frozenset()), named,
                frozenset(m for m, _, _ in vocab.find_measures(text)),
                frozenset(p for p, _ in vocab.populations_in(text)), refs, chunk.section,
                bool(vocab.result_cues.search(text)), label=_row_label(chunk, doc),
                heading=(chunk.doc_id, start) in headings, chunk_id=chunk.id,
            ))
        self._attach_facts(by_quote)
        self.df: Counter[str] = Counter(s for u in self.units for s in u.stems)
        self.body: frozenset[str] = frozenset(
            s for u in self.units if u.kind in BODY_KINDS and not vocab.skip_sections.search(u.section or "")
            for s in u.stems)
        """Stems used in the body of the corpus (not only in its reference lists, disclosures and the like)."""
        self.words = lexicon.forms.counts.keys()
        """Every word the corpus writes (lower case; hyphenated names whole)."""
        self.idf_floor = math.log((len(self.units) + 1) / (len(self.units) + 0.5))
        logger.info("passage store: %d chunks, %d sentences, %d facts", len(index.chunks), len(self.units),
                    len(self.facts))

    def _attach_facts(self, by_quote: dict[tuple[str, int], list[int]]) -> None:
        """Give each fact to the unit that states it: the table row's unit, or the sentence it quotes."""
        rows: dict[tuple[str, str, int], int] = {}
        starts: dict[str, list[tuple[int, int]]] = {}
        for u, unit in enumerate(self.units):
            chunk = self.index.chunks[unit.row]
            if chunk.kind == "table_row" and chunk.table is not None and chunk.row is not None:
                rows[(chunk.doc_id, chunk.table, chunk.row)] = u
            elif chunk.kind == "text":
                starts.setdefault(unit.doc_id, []).append((unit.start, u))
        for positions in starts.values():
            positions.sort()
        for (doc_id, quote_start), indexes in by_quote.items():
            fact = self.facts[indexes[0]]
            if fact.table is not None and fact.row is not None:
                u = rows.get((doc_id, fact.table.label, fact.table.rows.index(fact.row)))
            else:
                positions = starts.get(doc_id, [])
                k = bisect.bisect_right(positions, (quote_start, len(self.units))) - 1
                u = positions[k][1] if k >= 0 and self.units[positions[k][1]].end > quote_start else None
            if u is not None:
                self.units[u].facts.extend(indexes)

    def idf(self, stem: str) -> float:
        """Inverse sentence frequency of a stem (a stem the corpus never uses gets the highest weight)."""
        n = len(self.units)
        return math.log((n + 1) / (self.df.get(stem, 0) + 0.5))

    def units_of(self, row: int) -> range:
        """The units of chunk row ``row``."""
        return range(int(self.bounds[row]), int(self.bounds[row + 1]))

    def chunk(self, unit: Unit) -> Chunk:
        return self.index.chunks[unit.row]

    def document(self, unit: Unit) -> Document:
        return self.index.documents[unit.doc_id]
