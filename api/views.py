"""Turn index objects into the plain dicts the HTTP API and ``--json`` output return.

Shared by the routers and the CLI so that both speak the same JSON.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def cited_references(index: Any, doc_id: str, numbers: list[int]) -> list[dict[str, Any]]:
    """The ``{number, text}`` entries of ``numbers`` in document ``doc_id``'s reference list."""
    doc = index.documents.get(doc_id)
    out = []
    for number in numbers:
        ref = doc.reference(number) if doc is not None else None
        out.append({"number": number, "text": ref.text if ref is not None else ""})
    return out


def _doc_title(index: Any, doc_id: str) -> str | None:
    doc = index.documents.get(doc_id)
    if doc is not None and doc.title:
        return doc.title
    return index.manifest.get("documents", {}).get(doc_id, {}).get("title")


def search_hit(index: Any, passage: Any) -> dict[str, Any]:
    """One ``citeqa.index.retriever.Passage`` as a search result."""
    chunk = passage.chunk
    return {
        "rank": passage.rank,
        "passage_id": chunk.id,
        "doc_id": chunk.doc_id,
        "doc_title": _doc_title(index, chunk.doc_id),
        "kind": chunk.kind,
        "text": chunk.text,
        "score": float(passage.score),
        "dense_score": None if passage.dense_score is None else float(passage.dense_score),
        "bm25_score": None if passage.bm25_score is None else float(passage.bm25_score),
        "section": chunk.section,
        "page": chunk.page,
        "table": chunk.table,
        "start": chunk.start,
        "end": chunk.end,
        "references": cited_references(index, chunk.doc_id, list(chunk.references)),
    }


def _neighbour(chunk: Any) -> dict[str, Any]:
    return {"passage_id": chunk.id, "text": chunk.text, "start": chunk.start, "end": chunk.end}


def _cell(cell: Any) -> dict[str, Any]:
    return {"text": cell.text, "value": cell.value, "start": cell.start, "end": cell.end}


def table_detail(doc: Any, label: str, near: int) -> dict[str, Any] | None:
    """The structure of the table ``label`` of ``doc`` (the one spanning offset ``near`` when the
    label repeats): caption, header row(s), body rows with their blocks, footnotes; every cell
    with its document offsets, so a page can render it and light the cited cell."""
    tables = [t for t in getattr(doc, "tables", []) if t.label == label]
    if not tables:
        return None
    table = next((t for t in tables if t.start <= near <= t.end), tables[0])
    return {
        "label": table.label,
        "title": table.title,
        "page": table.page,
        "caption_start": table.caption_start,
        "caption_end": table.caption_end,
        "header_rows": [[_cell(c) for c in table.columns]] if table.columns else [],
        "rows": [
            {"block": row.block, "label": _cell(row.label), "cells": [_cell(c) for c in row.cells], "start": row.start, "end": row.end}
            for row in table.rows
        ],
        "footnotes": [{"marker": f.marker, "text": f.text, "start": f.start, "end": f.end} for f in table.footnotes],
    }


def passage_detail(index: Any, passage_id: str, window: int = 300) -> dict[str, Any] | None:
    """A passage with ±``window`` characters of document text and its neighbouring chunks.

    Returns:
        The dict, or None when ``passage_id`` is unknown.
    """
    chunk = index.chunk_by_id.get(passage_id)
    if chunk is None:
        return None
    doc = index.documents.get(chunk.doc_id)
    text = doc.text if doc is not None else ""
    start = max(0, min(chunk.start, len(text)))
    end = max(start, min(chunk.end, len(text)))
    context_start = max(0, start - window)
    context_end = min(len(text), end + window)
    # Neighbours: running-text chunks of the same document in document order.
    siblings = sorted(
        (c for c in index.chunks if c.doc_id == chunk.doc_id and c.kind == chunk.kind),
        key=lambda c: (c.start, c.end),
    )
    previous = next_ = None
    for i, c in enumerate(siblings):
        if c.id == chunk.id:
            previous = siblings[i - 1] if i > 0 else None
            next_ = siblings[i + 1] if i + 1 < len(siblings) else None
            break
    return {
        "passage_id": chunk.id,
        "doc_id": chunk.doc_id,
        "doc_title": _doc_title(index, chunk.doc_id),
        "kind": chunk.kind,
        "text": chunk.text,
        "section": chunk.section,
        "page": chunk.page,
        "table": chunk.table,
        "row": chunk.row,
        "start": chunk.start,
        "end": chunk.end,
        "source_text": text[start:end],
        "context_start": context_start,
        "context_end": context_end,
        "context": text[context_start:context_end],
        "previous": _neighbour(previous) if previous is not None else None,
        "next": _neighbour(next_) if next_ is not None else None,
        "references": cited_references(index, chunk.doc_id, list(chunk.references)),
        "table_detail": table_detail(doc, chunk.table, chunk.start) if chunk.table and doc is not None else None,
    }


def document_summary(index: Any, doc_id: str) -> dict[str, Any] | None:
    """Title, kind, pages, chunk count, hash and time added of one document, or None."""
    entry = index.manifest.get("documents", {}).get(doc_id)
    doc = index.documents.get(doc_id)
    if entry is None and doc is None:
        return None
    entry = entry or {}
    return {
        "doc_id": doc_id,
        "title": entry.get("title") or (doc.title if doc is not None else None),
        "kind": entry.get("kind") or (doc.kind if doc is not None else None),
        "path": entry.get("path") or (doc.path if doc is not None else None),
        "pages": entry.get("pages", len(doc.pages) if doc is not None else None),
        "chunk_count": entry.get("chunk_count", sum(1 for c in index.chunks if c.doc_id == doc_id)),
        "sha256": entry.get("sha256") or (doc.sha256 if doc is not None else None),
        "added_at": entry.get("added_at"),
    }


def document_detail(index: Any, doc_id: str) -> dict[str, Any] | None:
    """:func:`document_summary` plus authors, section titles, table labels and reference count."""
    summary = document_summary(index, doc_id)
    if summary is None:
        return None
    doc = index.documents.get(doc_id)
    if doc is None:
        return summary
    return {
        **summary,
        "authors": list(doc.authors),
        "sections": [s.title for s in doc.sections],
        "tables": [f"{t.label}: {t.title}" if t.title else t.label for t in doc.tables],
        "reference_count": len(doc.references),
        "characters": len(doc.text),
    }


def list_documents(index: Any) -> list[dict[str, Any]]:
    """Summaries of every document, sorted by id."""
    ids = sorted(set(index.manifest.get("documents", {})) | set(index.documents))
    return [s for s in (document_summary(index, i) for i in ids) if s is not None]


def reference_detail(index: Any, doc_id: str, number: int) -> dict[str, Any] | None:
    """A parsed reference entry and the passages that cite it, or None when unknown."""
    doc = index.documents.get(doc_id)
    if doc is None:
        return None
    ref = doc.reference(number)
    if ref is None:
        return None
    cited_by = [
        {
            "passage_id": c.id,
            "kind": c.kind,
            "text": c.text,
            "section": c.section,
            "page": c.page,
            "start": c.start,
            "end": c.end,
        }
        for c in index.chunks
        if c.doc_id == doc_id and number in (c.references or []) and c.kind != "reference"
    ]
    return {
        "doc_id": doc_id,
        "reference": {
            "number": ref.number,
            "text": ref.text,
            "authors": list(ref.authors),
            "title": ref.title,
            "journal": ref.journal,
            "year": ref.year,
            "volume": ref.volume,
            "issue": ref.issue,
            "pages": ref.pages,
            "start": ref.start,
            "end": ref.end,
        },
        "cited_by": cited_by,
    }


def answer_dict(answer: Any) -> dict[str, Any]:
    """The Answer contract as a dict (``Answer.to_dict()``)."""
    return answer.to_dict()
