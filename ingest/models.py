"""Core document types produced by ingest and consumed by every later stage.

All offsets are character offsets into ``Document.text`` (the document's extracted
text), half-open ``[start, end)``, so ``doc.text[start:end]`` is always the verbatim
source of whatever the object describes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


@dataclass
class Reference:
    """One numbered entry of a document's reference list."""

    number: int
    text: str
    authors: list[str] = field(default_factory=list)
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    start: int = 0
    end: int = 0
    numbered: bool = True  # False in an author–year list (``number`` is then the list position)


class CitationKind(StrEnum):
    """How an in-text citation is printed (the values are the strings ``Citation.kind`` holds)."""

    SUPERSCRIPT = "superscript"  # ¹⁻³
    CARET = "caret"  # ^{10,11}
    BRACKET = "bracket"  # [3, 5–7]
    PARENTHESIS = "parenthesis"  # (12, 13) in a document that cites so (Science, PNAS, NAR)
    AUTHOR_YEAR = "author_year"  # (Smith et al., 2020)


@dataclass
class Citation:
    """An in-text citation marker resolved to reference numbers.

    Markers are superscripts (``¹⁻³``), caret groups (``^{10,11}``), brackets (``[3, 5–7]``),
    parenthesised numbers (``(12, 13)``) or, in author–year documents, ``(Smith et al., 2020)``;
    ``kind`` says which (a :class:`CitationKind` value).
    """

    start: int
    end: int
    numbers: list[int]
    kind: str = CitationKind.SUPERSCRIPT


@dataclass
class Section:
    """A heading and the span of text it governs."""

    title: str
    start: int
    end: int
    level: int = 1


@dataclass
class Paragraph:
    """A block of running text; ``kind`` is paragraph, list_item, figure_caption, table_footnote, heading."""

    start: int
    end: int
    section: str | None
    kind: str = "paragraph"
    page: int | None = None
    # A paragraph split by a page break with a table or figure in between is kept as two
    # pieces: the first names the start of the second in ``continues_at``, the second names
    # the start of the first in ``continuation_of``. (A split with only whitespace between
    # is simply one Paragraph spanning both pieces.)
    continues_at: int | None = None
    continuation_of: int | None = None


@dataclass
class TableCell:
    """One cell: ``text`` is verbatim; ``value`` is the text without citation or footnote markers."""

    text: str
    value: str
    start: int
    end: int
    references: list[int] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)


@dataclass
class TableRow:
    """A data row: its label cell, its value cells (aligned with ``Table.columns[1:]``) and its block."""

    label: TableCell
    cells: list[TableCell]
    block: str | None
    start: int
    end: int


@dataclass
class Footnote:
    """A note under a table; ``marker`` is ``*``, ``†``, ``a`` … or ``None`` for abbreviation lists."""

    marker: str | None
    text: str
    start: int
    end: int


@dataclass
class Table:
    """A table as rows × columns with header groups (blocks) and footnotes."""

    label: str
    title: str
    columns: list[TableCell]
    rows: list[TableRow]
    footnotes: list[Footnote]
    start: int
    end: int
    caption_start: int = 0
    caption_end: int = 0
    page: int | None = None
    # A table continued on a later page ("Table 2 (continued)") is a Table of its own, with
    # the start of the table it goes on with here.
    continuation_of: int | None = None

    @property
    def blocks(self) -> list[str]:
        seen: list[str] = []
        for row in self.rows:
            if row.block and row.block not in seen:
                seen.append(row.block)
        return seen


@dataclass
class Document:
    """A parsed document: extracted text plus the structure recovered from it."""

    doc_id: str
    path: str
    kind: str
    text: str
    sha256: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    pages: list[tuple[int, int]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    # Bibliographic facts (PDF metadata and first page); None when not found.
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    # What could not be read (e.g. a scanned page without a text layer), one message each.
    warnings: list[str] = field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page holding ``offset``, or None for unpaged documents."""
        for number, (start, end) in enumerate(self.pages, start=1):
            if start <= offset < end:
                return number
        return len(self.pages) if self.pages and offset >= self.pages[-1][1] else None

    def reference(self, number: int) -> Reference | None:
        for ref in self.references:
            if ref.number == number:
                return ref
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        def cell(d: dict[str, Any]) -> TableCell:
            return TableCell(**d)

        tables = [
            Table(
                **{
                    **t,
                    "columns": [cell(c) for c in t["columns"]],
                    "rows": [
                        TableRow(
                            **{**r, "label": cell(r["label"]), "cells": [cell(c) for c in r["cells"]]}
                        )
                        for r in t["rows"]
                    ],
                    "footnotes": [Footnote(**f) for f in t["footnotes"]],
                }
            )
            for t in data.get("tables", [])
        ]
        return cls(
            **{
                **data,
                "pages": [tuple(p) for p in data.get("pages", [])],
                "sections": [Section(**s) for s in data.get("sections", [])],
                "paragraphs": [Paragraph(**p) for p in data.get("paragraphs", [])],
                "tables": tables,
                "references": [Reference(**r) for r in data.get("references", [])],
                "citations": [Citation(**c) for c in data.get("citations", [])],
            }
        )


@dataclass
class Chunk:
    """The unit that is embedded and retrieved.

    ``text`` is what gets embedded and shown; for text chunks it equals
    ``doc.text[start:end]`` with whitespace normalised, for table rows it restates the
    table title, block and column headers. ``kind`` is text, table_row, caption,
    footnote or reference. Table-row chunks carry ``table`` (label) and ``row`` (index
    into ``Table.rows``).
    """

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    kind: str = "text"
    section: str | None = None
    page: int | None = None
    references: list[int] = field(default_factory=list)
    table: str | None = None
    row: int | None = None
    # Set only for a text chunk that joins the two pieces of a paragraph split by a page
    # break with a table or figure in between: the verbatim [start, end) pieces, in order.
    # Then ``text`` is the pieces' whitespace-normalised texts joined by one space, and
    # ``start``/``end`` are the first piece's start and the last piece's end.
    spans: list[list[int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)
