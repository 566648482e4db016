"""Search a loaded index: dense (FAISS), BM25 (bm25s) or hybrid (fused)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from citeqa.index.fusion import FusionParams, fuse
from citeqa.index.lexical import top_k
from citeqa.index.store import EmbedderLike, Index
from citeqa.ingest.models import Chunk

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "bm25")


@dataclass
class Passage:
    """One retrieved chunk.

    ``score`` is what the ranking used (fused score, cosine or BM25 per mode); ``dense_score``
    and ``bm25_score`` are the underlying scores where computed; ``rank`` is 1-based.
    """

    chunk: Chunk
    score: float
    dense_score: float | None
    bm25_score: float | None
    rank: int


class Retriever:
    """Searches one in-memory :class:`Index`; safe to share between threads for reads.

    Args:
        index: The loaded index.
        embedder: Embeds queries; must be the model the index was built with.
        fusion: Hybrid fusion settings; default: those stored with the index.
    """

    def __init__(self, index: Index, embedder: EmbedderLike, fusion: FusionParams | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.fusion = fusion or index.fusion

    def embed(self, query: str) -> np.ndarray:
        """The query vector (one forward pass)."""
        encode_query = getattr(self.embedder, "encode_query", None)
        if encode_query is not None:
            return encode_query(query)
        return self.embedder.encode([query])[0]

    def search(
        self,
        query: str,
        k: int = 10,
        mode: str = "hybrid",
        *,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        """Return the top ``k`` passages for ``query``.

        Args:
            query: The question or keywords.
            k: How many passages.
            mode: ``hybrid``, ``dense`` or ``bm25`` (``bm25`` returns only chunks sharing a term
                with the query, so possibly fewer than ``k``).
            query_vector: A precomputed query embedding (skips the forward pass).

        Raises:
            ValueError: Unknown ``mode``, or a query vector of the wrong dimension.
        """
        if mode not in MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(MODES)}; got {mode!r}")
        index = self.index
        k = min(k, len(index.chunks))
        if k <= 0:
            return []
        if mode == "bm25":
            rows, scores = index.lexical.search(query, k)  # chunks sharing no term are left out
            return self._passages(rows, scores, None, scores)

        vector = self.embed(query) if query_vector is None else np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if vector.shape[0] != index.dense.dimension:
            raise ValueError(
                f"query vector has dimension {vector.shape[0]} but the index at {index.directory} holds "
                f"{index.dense.dimension}-dimensional vectors of model {index.model}"
            )
        if mode == "dense":
            rows, dense = index.dense.search(vector, k)
            return self._passages(rows, dense, dense, None)

        fusion = self.fusion
        depth = max(k, fusion.candidates)
        dense_rows, dense_top = index.dense.search(vector, depth)
        bm25_all = index.lexical.scores(query)
        bm25_ranked = top_k(bm25_all, depth)
        bm25_rows = bm25_ranked[bm25_all[bm25_ranked] > 0]
        candidates = np.unique(np.concatenate([dense_rows, bm25_rows]))
        dense_scores = index.vectors[candidates] @ vector
        bm25_scores = bm25_all[candidates]
        fused = fuse(
            candidates,
            dense_scores,
            bm25_scores,
            dense_rows[: fusion.candidates],
            bm25_rows[: fusion.candidates],
            fusion,
            dense_range=_range(dense_top, fusion.candidates),
            bm25_range=_range(bm25_all[bm25_ranked], fusion.candidates),
        )
        order = top_k(fused, k)
        return self._passages(candidates[order], fused[order], dense_scores[order], bm25_scores[order])

    def _passages(
        self,
        rows: np.ndarray,
        scores: np.ndarray,
        dense: np.ndarray | None,
        bm25: np.ndarray | None,
    ) -> list[Passage]:
        chunks = self.index.chunks
        return [
            Passage(
                chunk=chunks[int(row)],
                score=float(scores[i]),
                dense_score=None if dense is None else float(dense[i]),
                bm25_score=None if bm25 is None else float(bm25[i]),
                rank=i + 1,
            )
            for i, row in enumerate(rows)
        ]


def _range(ranked_scores: np.ndarray, candidates: int) -> tuple[float, float]:
    """(score at rank ``candidates``, best score) of a best-first score list; (0, 0) when empty."""
    if ranked_scores.size == 0:
        return 0.0, 0.0
    return float(ranked_scores[min(candidates, ranked_scores.size) - 1]), float(ranked_scores[0])
