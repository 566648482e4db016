"""Test doubles for the index stage: a fast deterministic embedder and a minimal txt parser/chunker.

Not used by the application; tests (of any stage) may use them to avoid loading the model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from citeqa.ingest.models import Chunk, Document


class HashEmbedder:
    """Bag-of-words feature hashing into ``dimension`` dims, L2-normalised: texts sharing words are similar.

    ``calls`` and ``encoded`` count :meth:`encode` calls and texts, for incremental-build tests.
    """

    def __init__(self, name: str = "test-hash-embedder", dimension: int = 64) -> None:
        self.name = name
        self.dimension = dimension
        self.calls = 0
        self.encoded = 0

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
            vec[h % self.dimension] += 1.0 if (h >> 31) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.encoded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._one(t) for t in texts]).astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self._one(text)


def simple_document(path: Path) -> Document:
    """A Document for a txt file: whole text, doc_id = file stem."""
    raw = Path(path).read_bytes()
    text = raw.decode("utf-8").replace("\r\n", "\n")
    first = text.strip().splitlines()[0] if text.strip() else None
    return Document(
        doc_id=Path(path).stem,
        path=str(path),
        kind="txt",
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=first,
    )


def simple_chunks(doc: Document) -> list[Chunk]:
    """One chunk per blank-line-separated paragraph."""
    chunks = []
    for i, match in enumerate(re.finditer(r"\S(?:.|\n(?!\s*\n))*", doc.text)):
        chunks.append(
            Chunk(
                id=f"{doc.doc_id}:{i}",
                doc_id=doc.doc_id,
                text=" ".join(match.group().split()),
                start=match.start(),
                end=match.end(),
            )
        )
    return chunks
