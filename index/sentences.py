"""Sentence vectors beside the chunk vectors: the units an answer cites, embedded at index time.

Every chunk is cut into its sentences (text chunks and captions by ``ingest.sentences``; a table
row, a footnote or a reference entry is one unit). A chunk of one unit reuses the chunk's vector;
the sentences of longer chunks are embedded each (whitespace-normalised, citation markers
removed), so a question's supporting sentences can be ranked by dense similarity at query time
without another forward pass. Saved as ``sentences.npz`` in the index folder:

- ``rows``: int32 (M,) chunk row of each sentence (sorted, so a chunk's sentences are contiguous);
- ``spans``: int64 (M, 2) ``[start, end)`` document offsets;
- ``keys``: the sha256 of each embedded text (for reuse by the next build);
- ``vectors``: float16 (M, dimension) unit rows.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from citeqa.ingest.lines import normalise_ws
from citeqa.ingest.markers import strip_markers
from citeqa.ingest.models import Chunk, Document
from citeqa.ingest.sentences import sentence_spans

logger = logging.getLogger(__name__)

SENTENCES = "sentences.npz"
SPLIT_KINDS = ("text", "caption")


def chunk_sentences(doc: Document, chunk: Chunk) -> list[tuple[int, int]]:
    """The sentences of ``chunk`` as ``[start, end)`` spans of ``doc.text``.

    Text chunks and captions are split into paragraphs (a heading is a unit of its own) and these
    into sentences; a chunk that joins the pieces of a paragraph split by a page break is split piece
    by piece. A table row, footnote or reference is one unit.
    """
    if chunk.kind not in SPLIT_KINDS:
        return [(chunk.start, chunk.end)]
    starts = [p.start for p in doc.paragraphs]
    spans: list[tuple[int, int]] = []
    for start, end in chunk.spans or [[chunk.start, chunk.end]]:
        first = max(0, bisect.bisect_right(starts, start) - 1)
        blocks = [(max(p.start, start), min(p.end, end)) for p in doc.paragraphs[first:]
                  if p.start < end and p.end > start] or [(start, end)]
        for a, b in blocks:
            spans.extend(sentence_spans(doc.text, a, b))
    return spans or [(chunk.start, chunk.end)]


def sentence_text(doc: Document, start: int, end: int) -> str:
    """The text embedded for a sentence: markers removed, whitespace normalised."""
    return normalise_ws(strip_markers(doc.text[start:end]))


@dataclass
class SentenceTable:
    """The sentences of every chunk of an index, with their vectors.

    Attributes:
        rows: Chunk row of each sentence, non-decreasing.
        spans: ``[start, end)`` of each sentence in its document.
        keys: Text key (sha256) of each sentence embedded on its own; "" where the chunk vector is reused.
        vectors: One unit vector per sentence.
    """

    rows: np.ndarray
    spans: np.ndarray
    keys: np.ndarray
    vectors: np.ndarray

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def bounds(self, chunk_count: int) -> np.ndarray:
        """``bounds[r]:bounds[r + 1]`` are the sentences of chunk row ``r``."""
        return np.searchsorted(self.rows, np.arange(chunk_count + 1), side="left")

    def save(self, directory: Path) -> None:
        np.savez(directory / SENTENCES, rows=self.rows, spans=self.spans, keys=self.keys,
                 vectors=self.vectors.astype(np.float16))

    @classmethod
    def load(cls, directory: Path) -> SentenceTable | None:
        """The table saved in ``directory``, or None for an index built without one."""
        path = directory / SENTENCES
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return cls(data["rows"], data["spans"], data["keys"], data["vectors"])

    def check(self, chunk_count: int, dimension: int) -> list[str]:
        """Problems that make the table unusable with an index of ``chunk_count`` chunks."""
        problems = []
        m = len(self)
        if self.spans.shape != (m, 2) or self.keys.shape != (m,) or self.vectors.shape != (m, dimension):
            problems.append(f"{SENTENCES} arrays disagree: {m} rows, spans {self.spans.shape}, "
                            f"vectors {self.vectors.shape} (dimension {dimension})")
        if m and (int(self.rows.max()) >= chunk_count or int(self.rows.min()) < 0 or np.any(np.diff(self.rows) < 0)):
            problems.append(f"{SENTENCES} names chunk rows outside 0..{chunk_count - 1} or out of order")
        return problems


Encoder = Callable[[Sequence[str]], tuple[np.ndarray, int]]


def build_sentence_table(
    documents: dict[str, Document],
    chunks: Sequence[Chunk],
    chunk_vectors: np.ndarray,
    encode: Encoder | None,
) -> tuple[SentenceTable, int]:
    """Cut every chunk into sentences and give each a vector.

    Args:
        documents: The documents by id.
        chunks: All chunks, in row order.
        chunk_vectors: The chunk vectors (reused for one-unit chunks).
        encode: Embeds texts, reusing what it already knows: ``texts -> (vectors, newly embedded)``; None
            gives every sentence its chunk's vector (an index built before sentence vectors existed).

    Returns:
        The table and how many sentences were newly embedded.
    """
    from citeqa.index.store import text_key

    rows: list[int] = []
    spans: list[tuple[int, int]] = []
    texts: list[str] = []
    split: list[int] = []  # positions (in rows) of sentences embedded on their own
    for row, chunk in enumerate(chunks):
        doc = documents.get(chunk.doc_id)
        units = chunk_sentences(doc, chunk) if doc is not None else [(chunk.start, chunk.end)]
        for start, end in units:
            if len(units) > 1:
                split.append(len(rows))
                texts.append(sentence_text(doc, start, end))
            rows.append(row)
            spans.append((start, end))
    dimension = chunk_vectors.shape[1] if chunk_vectors.ndim == 2 else 0
    vectors = np.zeros((len(rows), dimension), dtype=np.float32)
    if rows:
        vectors[:] = chunk_vectors[np.asarray(rows)]
    keys = np.full(len(rows), "", dtype="<U64")
    embedded = 0
    if texts and encode is not None:
        fresh, embedded = encode(texts)
        vectors[np.asarray(split)] = fresh
        keys[np.asarray(split)] = [text_key(t) for t in texts]
    table = SentenceTable(np.asarray(rows, dtype=np.int32), np.asarray(spans, dtype=np.int64).reshape(-1, 2), keys,
                          vectors)
    logger.info("sentences: %d (%d embedded on their own, %d newly)", len(rows), len(texts), embedded)
    return table, embedded


def known_vectors(table: SentenceTable | None) -> dict[str, np.ndarray]:
    """The vectors of a previous table by text key, for reuse."""
    if table is None:
        return {}
    return {str(k): table.vectors[i].astype(np.float32) for i, k in enumerate(table.keys) if k}
