"""Exact inner-product search (FAISS ``IndexFlatIP``) over L2-normalised vectors = cosine similarity."""

from __future__ import annotations

import logging
from pathlib import Path

import faiss
import numpy as np

logger = logging.getLogger(__name__)


class DenseIndex:
    """A FAISS flat inner-product index; row ``i`` is chunk ``i``."""

    def __init__(self, index: faiss.Index) -> None:
        self._faiss = index

    @property
    def dimension(self) -> int:
        return int(self._faiss.d)

    @property
    def size(self) -> int:
        return int(self._faiss.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        """Index ``vectors`` (``(n, d)`` float32, rows already unit length)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
        return cls(index)

    def search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows for one query vector as ``(rows, cosine scores)``, best first."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        scores, rows = self._faiss.search(query, k)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def save(self, path: Path) -> None:
        """Write the FAISS index to ``path``."""
        faiss.write_index(self._faiss, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """Read a FAISS index written by :meth:`save`."""
        return cls(faiss.read_index(str(path)))
