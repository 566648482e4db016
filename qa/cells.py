"""Facts from table cells: entity from one header, measure from the other, population
from the block, the row label, the title and the cell's footnotes."""

from __future__ import annotations

import re

from citeqa.ingest.models import Document, Table, TableCell
from citeqa.qa.facts import Fact, Kind, Status
from citeqa.qa.lexicon import Lexicon, table_orientation
from citeqa.qa.numbers import find_numbers
from citeqa.qa.vocabulary import MeasureRole, Vocabulary

_N_EQUALS = re.compile(r"\(?n\s?=\s?\d+\)?")


def unit_of_label(label: str, vocab: Vocabulary) -> str | None:
    """The unit a row or column label gives its cells ("CR, %" → %, "PFS, mo" → months, "Sample size" → count)."""
    if vocab.role(vocab.measure_of(label)) is MeasureRole.count:
        return "count"
    for match in re.finditer(r"(?:^|(?<=[\s,(/]))\S", label):
        unit, _ = vocab.unit_after(" " + label[match.start() :])
        if unit is not None and unit.joins:
            return unit.name
    if re.search(r"\bno\.? of (?:patients|participants|subjects)\b|\bn\b", label, re.IGNORECASE):
        return "count"
    return None


def _cell_status(value: str, vocab: Vocabulary) -> Status:
    if vocab.not_reported.match(value.strip()):
        return Status.not_reported
    if vocab.not_reached.match(value.strip()):
        return Status.not_reached
    return Status.value


def _names_rows(label: str, vocab: Vocabulary) -> bool:
    """A row that names what each column is (the trial, the study, the reference)."""
    return vocab.role(vocab.measure_of(label)) is MeasureRole.name or bool(
        re.search(r"trial|study|reference", label, re.IGNORECASE))


def table_facts(doc: Document, table: Table, lexicon: Lexicon) -> list[Fact]:
    """Every cell of ``table`` as a fact (a figure, a text, a "not reported"), and each row of a
    table whose rows are entities as a whole-row text fact."""
    vocab = lexicon.domain
    facts: list[Fact] = []
    notes = {f.marker: f.text for f in table.footnotes if f.marker}
    by_columns = table_orientation(table, vocab) == "columns"
    column_refs: dict[int, set[int]] = {i: set(c.references) for i, c in enumerate(table.columns)}
    column_names: dict[int, str] = {}
    if by_columns:
        for row in table.rows:
            if _names_rows(row.label.value, vocab):
                for i, cell in enumerate(row.cells, start=1):
                    column_refs.setdefault(i, set()).update(cell.references)
                    column_names[i] = f"{column_names.get(i, '')} {cell.value}".strip()
    title_pops = {p for p, _ in vocab.populations_in(table.title)}
    for row in table.rows:
        for i, cell in enumerate(row.cells, start=1):
            header = table.columns[i] if i < len(table.columns) else None
            if header is None:
                continue
            if by_columns:
                entity_text, attribute = f"{header.value} {column_names.get(i, '')}", row.label.value
            else:
                entity_text = " ".join([row.label.value] + [c.value for c in row.cells if c is not cell])
                attribute = header.value
            context = " ".join(filter(None, [row.block, row.label.value] + [notes.get(m, "") for m in cell.footnotes]))
            pops = {p for p, _ in vocab.populations_in(context)} or title_pops
            refs = sorted(set(cell.references) or column_refs.get(i, set()) | set(row.label.references))
            base = dict(
                kind=Kind.cell, doc_id=doc.doc_id, measure=vocab.measure_of(attribute),
                entities=frozenset(lexicon.entities_in(entity_text, doc.doc_id)),
                entity_label=header.value if by_columns else row.label.value, quote_start=row.start, quote_end=row.end,
                references=refs, section=table.label, keywords=vocab.stems(f"{table.title} {context} {attribute} {entity_text}"),
                clause_keywords=vocab.stems(f"{attribute} {context}"), table=table, row=row, column=header.value,
            )
            facts.extend(_cell_facts(cell, attribute, pops, base, vocab))
        if not by_columns and row.cells:
            text = "; ".join(f"{h.value}: {c.value}" for h, c in zip(table.columns[1:], row.cells))
            facts.append(Fact(
                kind=Kind.cell, doc_id=doc.doc_id, status=Status.text, value=None, unit=None, low=None, high=None,
                text=text, measure=None, populations=frozenset(title_pops),
                entities=frozenset(lexicon.entities_in(row.label.value + " " + text, doc.doc_id)), entity_label=row.label.value,
                quote_start=row.start, quote_end=row.end, value_start=row.cells[0].start, value_end=row.cells[-1].end,
                references=sorted(set(row.label.references)), section=table.label,
                keywords=vocab.stems(f"{table.title} {row.label.value} {text}"),
                clause_keywords=vocab.stems(f"{row.label.value} {text}"), table=table, row=row, column=None,
                explicit=True, whole_row=True,
            ))
    return facts


def _cell_facts(cell: TableCell, attribute: str, pops: set[str], base: dict, vocab: Vocabulary) -> list[Fact]:
    status = _cell_status(cell.value, vocab)
    unit = unit_of_label(attribute, vocab)
    if status is not Status.value:
        return [Fact(status=status, value=None, unit=unit, low=None, high=None, text=cell.value, populations=frozenset(pops),
                     value_start=cell.start, value_end=cell.end, **base)]
    mentions = find_numbers(cell.value, vocab)
    if not mentions or re.search(r"[A-Za-z]{3,}", _N_EQUALS.sub("", cell.value)):
        return [Fact(status=Status.text, value=None, unit=None, low=None, high=None, text=cell.value,
                     populations=frozenset(pops), value_start=cell.start, value_end=cell.end, **base)]
    facts = []
    offset = cell.text.find(cell.value) if cell.value in cell.text else 0
    for k, m in enumerate(mentions):
        extra = dict(base)
        if m.explicit_n:
            extra["measure"] = vocab.count_measure
        elif k > 0:
            continue
        facts.append(Fact(status=Status.value, value=m.value, low=m.low, high=m.high,
                          unit="count" if m.explicit_n else (unit or m.unit), text=cell.value[m.start : m.end],
                          populations=frozenset(pops), value_start=cell.start + offset + m.start,
                          value_end=cell.start + offset + m.end, ci_low=m.ci_low, ci_high=m.ci_high, of=m.of,
                          operator=m.operator, **extra))
    return facts
