from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from citeqa.eval import beir
from citeqa.eval.beir import BenchmarkError, evaluate, load_qrels, mrr_at_k, ndcg_at_k, recall_at_k, run_benchmark
from citeqa.index.testing import HashEmbedder

CORPUS = [
    {"_id": "d1", "title": "Axi-cel in ZUMA-7", "text": "Axicabtagene ciloleucel improved event-free survival in large B-cell lymphoma."},
    {"_id": "d2", "title": "Liso-cel in TRANSFORM", "text": "Lisocabtagene maraleucel improved event-free survival versus standard care."},
    {"_id": "d3", "title": "POLARIX", "text": "Polatuzumab vedotin with R-CHP improved progression-free survival."},
    {"_id": "d4", "title": "Follicular lymphoma", "text": "Rituximab maintenance prolonged remission in follicular lymphoma."},
    {"_id": "d5", "title": "Cytokine release", "text": "Cytokine release syndrome and neurotoxicity after CAR-T cell therapy."},
]
QUERIES = [
    {"_id": "q1", "text": "axicabtagene ciloleucel event-free survival"},
    {"_id": "q2", "text": "polatuzumab vedotin progression-free survival"},
    {"_id": "q3", "text": "rituximab maintenance follicular lymphoma"},
    {"_id": "q4", "text": "a query without judgements"},
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t2\nq3\td4\t1\nq3\td1\t0\n"


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in CORPUS) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n", encoding="utf-8")
    (folder / "qrels" / "train.tsv").write_text(QRELS, encoding="utf-8")
    return folder


def test_ndcg_by_hand():
    relevant = {"a": 2, "b": 1, "c": 0}
    scores = {"x": 0.9, "b": 0.8, "a": 0.7, "c": 0.6}
    dcg = 1 / math.log2(3) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at_k(relevant, scores, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(relevant, scores, 1) == 0.0
    assert ndcg_at_k({"a": 1}, {"a": 1.0}, 10) == 1.0
    assert ndcg_at_k({"a": 0}, {"a": 1.0}, 10) == 0.0


def test_recall_and_mrr_by_hand():
    relevant = {"a": 1, "b": 1, "c": 0}
    scores = {f"n{i}": 1.0 - i / 1000 for i in range(150)} | {"a": 0.5, "b": 0.9995}
    # b ranks 2nd, a ranks ~153rd → recall@100 = 1/2, MRR@10 = 1/2
    assert recall_at_k(relevant, scores, 100) == 0.5
    assert mrr_at_k(relevant, scores, 10) == 0.5
    assert mrr_at_k({"a": 1}, {"x": 1.0, "y": 0.9}, 10) == 0.0
    assert recall_at_k({"a": 0}, {"a": 1.0}, 100) == 0.0


def test_evaluate_means_and_missing_runs():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 0}}
    run = {"q1": {"a": 1.0}}
    result = evaluate(qrels, run)  # q3 has no relevant doc: excluded; q2 has no run: scores 0
    assert result == {"ndcg@10": 0.5, "recall@100": 0.5, "mrr@10": 0.5}


def test_load_qrels_with_and_without_header(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text(QRELS, encoding="utf-8")
    assert load_qrels(path) == {"q1": {"d1": 1}, "q2": {"d3": 2}, "q3": {"d4": 1, "d1": 0}}
    path.write_text("q1\td1\t1\n", encoding="utf-8")
    assert load_qrels(path) == {"q1": {"d1": 1}}
    with pytest.raises(BenchmarkError, match="test.tsv"):
        load_qrels(tmp_path / "test.tsv")


def test_runner_on_tiny_beir(beir_dir, tmp_path):
    emb = HashEmbedder()
    cache = tmp_path / "cache"
    result = run_benchmark(beir_dir, "train", emb, cache)
    assert result["split"] == "train" and result["queries"] == 3 and result["documents"] == 5
    for mode in ("bm25", "dense", "hybrid"):
        metrics = result[mode]
        assert set(metrics) == {"ndcg@10", "recall@100", "mrr@10", "qps"}
        assert metrics["recall@100"] == 1.0 and metrics["qps"] > 0
    assert result["bm25"]["ndcg@10"] == 1.0 and result["hybrid"]["ndcg@10"] == 1.0
    embedded = emb.encoded
    assert embedded >= 5 and list(cache.glob("*.npz"))
    again = HashEmbedder()
    second = run_benchmark(beir_dir, "train", again, cache, modes=("bm25",))
    assert again.encoded == 0 and second["embedded"] == 0 and "dense" not in second
    assert second["bm25"]["ndcg@10"] == result["bm25"]["ndcg@10"]
    other = HashEmbedder(name="other-model")
    run_benchmark(beir_dir, "train", other, cache, modes=("bm25",))
    assert other.encoded == embedded  # cache is per model


def test_runner_uses_project_chunker(beir_dir, tmp_path, monkeypatch):
    seen = []
    from citeqa.ingest.chunking import chunk_document

    def spy(doc):
        seen.append(doc.doc_id)
        return chunk_document(doc)

    monkeypatch.setattr(beir, "_default_chunker", lambda: spy)
    run_benchmark(beir_dir, "train", HashEmbedder(), tmp_path / "c", modes=("bm25",))
    assert sorted(seen) == ["d1", "d2", "d3", "d4", "d5"]


def test_runner_missing_split_and_bad_mode(beir_dir, tmp_path):
    with pytest.raises(BenchmarkError, match="held out"):
        run_benchmark(beir_dir, "test", HashEmbedder(), tmp_path / "c")
    with pytest.raises(ValueError, match="unknown benchmark modes"):
        run_benchmark(beir_dir, "train", HashEmbedder(), tmp_path / "c", modes=("sparse",))


def test_test_split_runs_when_supplied(beir_dir, tmp_path):
    (beir_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq2\td3\t1\n", encoding="utf-8")
    result = run_benchmark(beir_dir, "test", HashEmbedder(), tmp_path / "c", modes=("hybrid",))
    assert result["split"] == "test" and result["queries"] == 1 and result["hybrid"]["ndcg@10"] == 1.0


def test_split_queries_file_is_used(beir_dir, tmp_path):
    (beir_dir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nt1\td4\t1\nt9\td1\t1\n", encoding="utf-8")
    with pytest.raises(BenchmarkError, match="supply the test queries"):
        run_benchmark(beir_dir, "test", HashEmbedder(), tmp_path / "c", modes=("bm25",))
    (beir_dir / "queries.test.jsonl").write_text(json.dumps({"_id": "t1", "text": "rituximab maintenance"}) + "\n")
    result = run_benchmark(beir_dir, "test", HashEmbedder(), tmp_path / "c", modes=("bm25",))
    assert result["queries"] == 1 and result["bm25"]["ndcg@10"] == 1.0


def test_a_shared_embedding_cache_keeps_what_another_process_added(tmp_path):
    """Two runs embedding into one cache file: a save merges what the other wrote meanwhile."""
    import numpy as np

    from citeqa.eval.beir import _read_cache, cached_vectors
    from citeqa.index.store import text_key
    from citeqa.index.testing import HashEmbedder

    cache = tmp_path / "model.npz"
    other = HashEmbedder()

    class Racing(HashEmbedder):
        def encode(self, texts, *, progress=False):
            # the other process saves its own vector while this one is embedding
            np.savez(cache, keys=np.array([text_key("other text")]), vectors=other.encode(["other text"]))
            return super().encode(texts, progress=progress)

    vectors, embedded = cached_vectors(["mine"], Racing(), cache)
    assert embedded == 1 and vectors.shape == (1, 64)
    assert set(_read_cache(cache, 64)) == {text_key("mine"), text_key("other text")}
