"""The index stage with the real ingest pipeline (fast, hashing embedder) and the real model (slow)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from citeqa.index.errors import IndexLoadError
from citeqa.index.retriever import Retriever
from citeqa.index.store import build_index, load_index
from citeqa.index.testing import HashEmbedder


@pytest.fixture(scope="module")
def real_embedder():
    from citeqa.index.embedder import Embedder
    from citeqa.settings import default_model

    return Embedder(default_model())


def test_build_from_folder_with_real_ingest(tmp_path, review_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(review_path, folder / "review.txt")
    (folder / "broken.pdf").write_bytes(b"not a pdf at all")
    emb = HashEmbedder()
    report = build_index([folder], tmp_path / "idx", emb)
    assert report.documents == 1 and report.chunks > 20 and report.embedded == report.chunks
    assert [Path(p).name for p, _ in report.errors] == ["broken.pdf"]
    index = load_index(tmp_path / "idx", model=emb.name, dimension=emb.dimension)
    assert "review" in index.documents and index.manifest["documents"]["review"]["chunk_count"] == report.chunks
    top = Retriever(index, emb).search("NCT05633615", k=3, mode="bm25")
    assert "NCT05633615" in top[0].chunk.text


@pytest.mark.slow
def test_real_model_end_to_end(tmp_path, review_path, real_embedder):
    emb = real_embedder
    assert emb.dimension == 384
    vectors = emb.encode(["event-free survival", "CAR-T"])
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(emb.encode_query("event-free survival"), vectors[0], atol=1e-5)

    idx_dir = tmp_path / "idx"
    build_index([review_path], idx_dir, emb)
    index = load_index(idx_dir, model=emb.name, dimension=emb.dimension)
    retriever = Retriever(index, emb)
    question = "Which randomized trials showed improved event-free survival with CAR T-cell therapy in second line?"
    for mode in ("hybrid", "bm25"):
        passages = retriever.search(question, k=3, mode=mode)
        assert "ZUMA-7" in passages[0].chunk.text, mode
    dense = retriever.search(question, k=5, mode="dense")
    assert all("CAR" in p.chunk.text for p in dense) and dense[0].dense_score > 0.5
    again = Retriever(load_index(idx_dir), emb).search(question, k=5)
    assert [p.chunk.id for p in again] == [p.chunk.id for p in retriever.search(question, k=5)]

    report = build_index([review_path], idx_dir, emb)
    assert report.embedded == 0 and report.reused == report.chunks
    with pytest.raises(IndexLoadError, match="was built with model .* \\(dim 384\\); you are using model other"):
        load_index(idx_dir, model="other", dimension=768)


@pytest.mark.slow
def test_unknown_model_error_names_model():
    from citeqa.index.embedder import Embedder, EmbedderError

    with pytest.raises(EmbedderError, match="no-such-model-xyz"):
        Embedder("/nonexistent/no-such-model-xyz")
