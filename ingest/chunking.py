"""Chunks: sentence- and section-aware text chunks, one chunk per table row, captions,
table footnotes and reference entries.

Text chunks hold whole paragraphs when they fit in ``max_chars`` and whole sentences
otherwise; they never cross a section (the front matter before the first section joins
that section's first chunk) nor a table. A paragraph split by a page break around a
table is chunked as one passage; the chunk that straddles the split lists its verbatim
pieces in ``Chunk.spans``.
"""

from __future__ import annotations

import hashlib
import logging

from citeqa.ingest.lines import normalise_ws
from citeqa.ingest.markers import numbers_in
from citeqa.ingest.models import Chunk, Document, Paragraph, Table, TableRow
from citeqa.ingest.references import entry_span
from citeqa.ingest.sentences import sentence_spans

logger = logging.getLogger(__name__)

Span = tuple[int, int]
# A cut inside an over-long sentence goes back to the last space when one lies in the window's
# last fifth; otherwise (a run of text without spaces) the window is cut where it ends.
CUT_BACKTRACK = 0.2
MAX_ROW_CHARS = 4000  # a table row restated for retrieval; longer ones (garbled tables) are clipped
Sentence = list[Span]  # usually one span; two when a sentence straddles a page-break split
_TEXT_KINDS = ("paragraph", "list_item", "heading")


def chunk_id(doc_id: str, kind: str, start: int, end: int, text: str) -> str:
    """Return a stable chunk id: same input → same id."""
    digest = hashlib.sha1(f"{kind}|{start}|{end}|{text}".encode()).hexdigest()[:12]
    return f"{doc_id}:{digest}"


def chunk_document(doc: Document, max_chars: int = 900) -> list[Chunk]:
    """Cut a Document into retrievable chunks.

    Args:
        doc: A parsed Document.
        max_chars: Target maximum length of a text chunk (a longer single sentence is
            kept whole).

    Returns:
        Chunks in document order: text, caption, table_row, footnote and reference.
    """
    chunks: list[Chunk] = []
    headings = {(p.start, p.end) for p in doc.paragraphs if p.kind == "heading"}
    for run, section in _runs(doc, max_chars):
        if section is not None and all(len(para) == 1 and tuple(para[0][0]) in headings for para in run):
            continue  # a heading with no text of its own ("References" above the list)
        for sentences in _pack(doc.text, run, max_chars, headings):
            chunks.append(_text_chunk(doc, sentences, section))
    for p in doc.paragraphs:
        if p.kind == "figure_caption":
            chunks.extend(_span_chunks(doc, "caption", p.start, p.end, max_chars, p.section))
    for table in doc.tables:
        chunks.extend(_table_chunks(doc, table, max_chars))
    for ref in doc.references:
        start, end = entry_span(doc.text, ref)
        chunks.extend(_span_chunks(doc, "reference", start, end, max_chars, "References", refs=[ref.number]))
    chunks.sort(key=lambda c: (c.start, c.end))
    logger.debug("%s: %d chunks", doc.doc_id, len(chunks))
    return chunks


def _make(
    doc: Document,
    kind: str,
    start: int,
    end: int,
    text: str,
    section: str | None,
    refs: list[int] | None = None,
    table: str | None = None,
    row: int | None = None,
    spans: list[list[int]] | None = None,
) -> Chunk:
    if refs is None:
        refs = sorted({n for s, e in (spans or [[start, end]]) for n in numbers_in(doc.citations, s, e)})
    return Chunk(
        id=chunk_id(doc.doc_id, kind, start, end, text),
        doc_id=doc.doc_id,
        text=text,
        start=start,
        end=end,
        kind=kind,
        section=section,
        page=doc.page_at(start) if doc.pages else None,
        references=refs,
        table=table,
        row=row,
        spans=spans or [],
    )


def pieces(text: str, start: int, end: int, max_chars: int) -> list[Span]:
    """Cut ``text[start:end]`` into spans of at most ``max_chars`` characters, at a space where
    one is near the limit: however the text is shaped (no sentence end, no space, no newline),
    no piece is longer than ``max_chars``."""
    out: list[Span] = []
    while end - start > max_chars:
        limit = start + max_chars
        cut = text.rfind(" ", limit - int(max_chars * CUT_BACKTRACK), limit)
        cut = cut if cut > start else limit
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return out


def _span_chunks(
    doc: Document, kind: str, start: int, end: int, max_chars: int, section: str | None, **extra: object
) -> list[Chunk]:
    """Chunks of one ``kind`` over ``doc.text[start:end]``: one, or several when it is over ``max_chars``."""
    return [_make(doc, kind, s, e, normalise_ws(doc.text[s:e]), section, **extra) for s, e in pieces(doc.text, start, end, max_chars)]  # type: ignore[arg-type]


def _section_at(doc: Document, pos: int) -> str | None:
    found = None
    for s in doc.sections:
        if s.start <= pos:
            found = s.title
    return found


# --- running text -------------------------------------------------------------------


def _runs(doc: Document, max_chars: int) -> list[tuple[list[list[Sentence]], str | None]]:
    """Group text paragraphs into runs: same section, only whitespace (or a page-break
    split) between. Each run is a list of paragraphs, each a list of sentences (a sentence
    over ``max_chars`` is cut in pieces, see :func:`pieces`)."""
    runs: list[tuple[list[list[Sentence]], str | None]] = []
    prev: Paragraph | None = None
    for p in doc.paragraphs:
        if p.kind not in _TEXT_KINDS:
            continue
        sentences = [[piece] for s, e in sentence_spans(doc.text, p.start, p.end) for piece in pieces(doc.text, s, e, max_chars)]
        if not sentences:
            continue
        if prev is not None and p.continuation_of == prev.start and runs:
            # Join the open last sentence of the first piece with this piece's first sentence.
            last_para = runs[-1][0][-1]
            last_para[-1] = last_para[-1] + sentences[0]
            last_para.extend(sentences[1:])
        elif prev is not None and runs and _same_run(doc, prev, p):
            runs[-1] = (runs[-1][0] + [sentences], runs[-1][1] or p.section)
        else:
            runs.append(([sentences], p.section))
        prev = p
    return runs


def _same_run(doc: Document, prev: Paragraph, p: Paragraph) -> bool:
    if doc.text[prev.end : p.start].strip():
        return False
    return prev.section == p.section or prev.section is None


def _length(sentences: list[Sentence], text: str) -> int:
    return sum(len(normalise_ws(text[s:e])) + 1 for sent in sentences for s, e in sent)


def _pack(text: str, paragraphs: list[list[Sentence]], max_chars: int, headings: set[Span]) -> list[list[Sentence]]:
    """Greedy packing: whole paragraphs when they fit, else whole sentences; a heading
    is never left at the end of a chunk."""
    out: list[list[Sentence]] = []

    def heading_only(sentences: list[Sentence]) -> bool:
        return len(sentences) == 1 and tuple(sentences[0][0]) in headings

    current: list[Sentence] = []
    for para in paragraphs:
        if _length(current + para, text) <= max_chars:
            current = current + para
            continue
        if current and not heading_only(current) and _length(para, text) <= max_chars:
            out.append(current)
            current = list(para)
            continue
        for sent in para:  # split the paragraph between sentences
            if current and _length(current + [sent], text) > max_chars and not heading_only(current):
                out.append(current)
                current = []
            current.append(sent)
    if current:
        out.append(current)
    return out


def _text_chunk(doc: Document, sentences: list[Sentence], section: str | None) -> Chunk:
    spans: list[list[int]] = []
    for sent in sentences:
        for s, e in sent:
            if spans and not doc.text[spans[-1][1] : s].strip():
                spans[-1][1] = e
            else:
                spans.append([s, e])
    text = " ".join(normalise_ws(doc.text[s:e]) for s, e in spans)
    start, end = spans[0][0], spans[-1][1]
    return _make(doc, "text", start, end, text, section or _section_at(doc, start), spans=spans if len(spans) > 1 else None)


# --- tables -------------------------------------------------------------------------


def _table_chunks(doc: Document, table: Table, max_chars: int) -> list[Chunk]:
    section = _section_at(doc, table.start)
    out = _span_chunks(doc, "caption", table.caption_start, table.caption_end, max_chars, section, table=table.label)
    notes = {fn.marker: normalise_ws(fn.text) for fn in table.footnotes if fn.marker}
    for index, row in enumerate(table.rows):
        text, refs = row_text(table, row, notes)
        if len(text) > MAX_ROW_CHARS:
            text = text[: MAX_ROW_CHARS - 1] + "…"
        out.append(_make(doc, "table_row", row.start, row.end, text, section, refs=refs, table=table.label, row=index))
    for fn in table.footnotes:
        out.extend(_span_chunks(doc, "footnote", fn.start, fn.end, max_chars, section, table=table.label))
    return out


def row_text(table: Table, row: TableRow, notes: dict[str, str] | None = None) -> tuple[str, list[int]]:
    """Restate a table row for embedding and its cited references.

    Args:
        table: The table.
        row: One of its rows.
        notes: Footnote texts by marker, appended when a cell carries the marker.

    Returns:
        ``("Table 2. Emerging bispecific antibodies · Post-CAR T-cell cohort · CR, % ·
        Epcoritamab: 34; Glofitamab: 35; …", [20, 21, …])``.
    """
    refs = set(row.label.references)
    values, used_notes = [], []
    for j, cell in enumerate(row.cells):
        if not cell.value and not cell.text:
            continue
        header = table.columns[j + 1] if j + 1 < len(table.columns) else None
        name = header.value if header and header.value else f"Column {j + 2}"
        values.append(f"{name}: {cell.value}{''.join(cell.footnotes)}")
        refs.update(cell.references)
        if header:
            refs.update(header.references)
        used_notes.extend(m for m in cell.footnotes if m not in used_notes)
    parts = [f"{table.label}. {table.title}".strip(), row.block or "", row.label.value, "; ".join(values)]
    parts += [f"{m} {notes[m].lstrip(m).strip()}" for m in used_notes if notes and m in notes]
    return " · ".join(p for p in parts if p), sorted(refs)
