"""Facts from table cells: entity from one header, measure from the other, population
from the block, the row label, the title and the cell's footnotes."""

from __future__ import annotations

import re

from citeqa.ingest.models import Document, Table, TableCell
from citeqa.qa.facts import Fact, measure_of, populations_in, stems
from citeqa.qa.lexicon import Lexicon, table_orientation
from citeqa.qa.numbers import find_numbers
from citeqa.qa.vocabulary import NOT_REACHED, NOT_REPORTED


def _unit_of_label(label: str) -> str | None:
    if re.search(r"%|percent", label, re.IGNORECASE):
        return "%"
    if re.search(r"\bmos?\b|months?", label, re.IGNORECASE):
        return "months"
    if re.search(r"sample size|\bno\.? of patients|\bn\b|patients", label, re.IGNORECASE):
        return "count"
    return None


def _cell_status(value: str) -> str:
    if NOT_REPORTED.match(value.strip()):
        return "not_reported"
    if NOT_REACHED.match(value.strip()):
        return "not_reached"
    return "value"


def table_facts(doc: Document, table: Table, lexicon: Lexicon) -> list[Fact]:
    facts: list[Fact] = []
    notes = {f.marker: f.text for f in table.footnotes if f.marker}
    by_columns = table_orientation(table) == "columns"
    column_refs: dict[int, set[int]] = {i: set(c.references) for i, c in enumerate(table.columns)}
    column_names: dict[int, str] = {}
    if by_columns:
        for row in table.rows:
            if measure_of(row.label.value) == "trial" or re.search(r"trial|study|reference", row.label.value, re.I):
                for i, cell in enumerate(row.cells, start=1):
                    column_refs.setdefault(i, set()).update(cell.references)
                    column_names[i] = f"{column_names.get(i, '')} {cell.value}".strip()
    title_pops = {p for p, _ in populations_in(table.title)}
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
            pops = {p for p, _ in populations_in(context)}
            pops = pops or title_pops
            refs = sorted(set(cell.references) or column_refs.get(i, set()) | set(row.label.references))
            base = dict(
                kind="cell", doc_id=doc.doc_id, measure=measure_of(attribute), entities=frozenset(lexicon.entities_in(entity_text)),
                entity_label=header.value if by_columns else row.label.value, quote_start=row.start, quote_end=row.end,
                references=refs, section=table.label, keywords=stems(f"{table.title} {context} {attribute} {entity_text}"),
                clause_keywords=stems(f"{attribute} {context}"), table=table, row=row, column=header.value,
            )
            facts.extend(_cell_facts(cell, attribute, pops, base))
        if not by_columns and row.cells:
            text = "; ".join(f"{h.value}: {c.value}" for h, c in zip(table.columns[1:], row.cells))
            facts.append(Fact(
                kind="cell", doc_id=doc.doc_id, status="text", value=None, unit=None, low=None, high=None, text=text,
                measure="row", populations=frozenset(title_pops), entities=frozenset(lexicon.entities_in(row.label.value + " " + text)),
                entity_label=row.label.value, quote_start=row.start, quote_end=row.end, value_start=row.cells[0].start,
                value_end=row.cells[-1].end, references=sorted(set(row.label.references)), section=table.label,
                keywords=stems(f"{table.title} {row.label.value} {text}"), clause_keywords=stems(f"{row.label.value} {text}"),
                table=table, row=row, column=None, explicit=True,
            ))
    return facts


def _cell_facts(cell: TableCell, attribute: str, pops: set[str], base: dict) -> list[Fact]:
    status = _cell_status(cell.value)
    unit = _unit_of_label(attribute)
    if status != "value":
        return [Fact(status=status, value=None, unit=unit, low=None, high=None, text=cell.value, populations=frozenset(pops),
                     value_start=cell.start, value_end=cell.end, **base)]
    mentions = find_numbers(cell.value)
    if not mentions or re.search(r"[A-Za-z]{3,}", re.sub(r"\(?n\s?=\s?\d+\)?", "", cell.value)):
        return [Fact(status="text", value=None, unit=None, low=None, high=None, text=cell.value, populations=frozenset(pops),
                     value_start=cell.start, value_end=cell.end, **base)]
    facts = []
    offset = cell.text.find(cell.value) if cell.value in cell.text else 0
    for k, m in enumerate(mentions):
        extra = dict(base)
        if m.explicit_n:
            extra["measure"] = "n"
        elif k > 0:
            continue
        facts.append(Fact(status="value", value=m.value if not m.is_range else None, low=m.low, high=m.high,
                          unit="count" if m.explicit_n else (unit or m.unit), text=cell.value[m.start : m.end],
                          populations=frozenset(pops), value_start=cell.start + offset + m.start,
                          value_end=cell.start + offset + m.end, **extra))
    return facts


# -- sentences ----------------------------------------------------------------------
