from __future__ import annotations

import numpy as np
import pytest

from citeqa.index.dense import DenseIndex
from citeqa.index.fusion import FusionParams, fuse, minmax, rrf
from citeqa.index.lexical import BM25Params, LexicalIndex, Tokenizer, top_k
from citeqa.index.retriever import Passage, Retriever
from citeqa.index.store import Index
from citeqa.index.testing import HashEmbedder
from citeqa.ingest.models import Chunk, Document

TEXTS = [
    "Axicabtagene ciloleucel (axi-cel) CAR-T therapy in ZUMA-7 improved event-free survival.",
    "Lisocabtagene maraleucel in TRANSFORM, NCT03575351, improved event-free survival.",
    "Polatuzumab vedotin plus R-CHP improved progression-free survival in POLARIX.",
    "Cytokine release syndrome occurred in 34% of patients treated with CAR-T cells.",
    "Rituximab maintenance after induction chemotherapy in follicular lymphoma.",
]


def _index(embedder: HashEmbedder, fusion: FusionParams | None = None) -> Index:
    doc = Document(doc_id="d", path="d.txt", kind="txt", text="\n\n".join(TEXTS), sha256="x")
    chunks, start = [], 0
    for i, text in enumerate(TEXTS):
        chunks.append(Chunk(id=f"d:{i}", doc_id="d", text=text, start=start, end=start + len(text)))
        start += len(text) + 2
    vectors = embedder.encode([c.text for c in chunks])
    return Index.create([doc], chunks, vectors, embedder.name, fusion=fusion)


def test_tokenizer_keeps_identifiers_and_compounds():
    terms = Tokenizer(BM25Params())("CAR-T in ZUMA-7 (NCT05633615): 34% CR, 3.5 mg/kg, IL-6 of the patients")
    assert {"zuma-7", "nct05633615", "34%", "3.5", "il-6"} <= set(terms)
    assert {"car", "zuma", "patient", "mg", "kg"} <= set(terms)  # parts are stemmed words too
    assert "car-t" not in terms and "mg/kg" not in terms  # word-only compounds: compounds="all"
    assert "the" not in terms and "of" not in terms
    assert {"car-t", "mg/kg", "zuma-7"} <= set(Tokenizer(BM25Params(compounds="all"))("CAR-T ZUMA-7 mg/kg"))
    assert Tokenizer(BM25Params(compounds="none"))("CAR-T ZUMA-7") == ["car", "zuma"]
    with pytest.raises(ValueError, match="compounds"):
        BM25Params(compounds="yes")


def test_bm25_ranks_exact_identifier_first(tmp_path):
    lex = LexicalIndex.build(TEXTS)
    rows, scores = lex.search("NCT03575351", 3)
    assert rows.tolist() == [1] and scores[0] > 0
    rows, _ = lex.search("CAR-T cytokine release", 2)
    assert rows[0] == 3
    assert lex.search("zzzunknownword", 3)[0].size == 0
    lex.save(tmp_path / "bm25")
    again = LexicalIndex.load(tmp_path / "bm25")
    assert np.allclose(again.scores("CAR-T cytokine release"), lex.scores("CAR-T cytokine release"))
    assert again.params == lex.params


def test_dense_round_trip(tmp_path):
    emb = HashEmbedder()
    vectors = emb.encode(TEXTS)
    dense = DenseIndex.build(vectors)
    rows, scores = dense.search(emb.encode_query(TEXTS[2]), 2)
    assert rows[0] == 2 and scores[0] == pytest.approx(1.0, abs=1e-5)
    dense.save(tmp_path / "f.index")
    loaded = DenseIndex.load(tmp_path / "f.index")
    assert loaded.size == 5 and loaded.dimension == emb.dimension
    assert loaded.search(emb.encode_query(TEXTS[2]), 2)[0].tolist() == rows.tolist()


def test_top_k_order_and_ties():
    scores = np.array([0.1, 0.5, 0.5, 0.9, 0.0], dtype=np.float32)
    assert top_k(scores, 3).tolist() == [3, 1, 2]
    assert top_k(scores, 10).tolist() == [3, 1, 2, 0, 4]
    assert top_k(scores, 0).tolist() == []


def test_rrf_and_minmax_by_hand():
    fused = rrf([np.array([7, 3]), np.array([3, 9])], k=60)
    assert fused[3] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[7] == pytest.approx(1 / 61) and fused[9] == pytest.approx(1 / 62)
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([1.0, 1.0])).tolist() == [0.0, 0.0]
    cands = np.array([3, 7, 9])
    convex = fuse(cands, np.array([0.5, 0.9, 0.1]), np.array([10.0, 0.0, 5.0]), np.array([7, 3]), np.array([3, 9]),
                  FusionParams(method="convex", weight=0.25))
    assert convex.tolist() == pytest.approx([0.25 * 0.5 + 0.75 * 1.0, 0.25 * 1.0, 0.75 * 0.5])
    with pytest.raises(ValueError, match="method"):
        FusionParams(method="max")


@pytest.mark.parametrize("method", ["convex", "rrf"])
def test_modes_selectable(method):
    emb = HashEmbedder()
    retriever = Retriever(_index(emb, FusionParams(method=method)), emb)
    for mode in ("hybrid", "dense", "bm25"):
        passages = retriever.search("CAR-T cytokine release syndrome", k=3, mode=mode)
        assert [p.rank for p in passages] == ([1, 2] if mode == "bm25" else [1, 2, 3])  # 2 chunks share terms
        assert all(isinstance(p, Passage) for p in passages)
        assert passages[0].chunk.id == "d:3", mode
        assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
        if mode == "bm25":
            assert passages[0].dense_score is None and passages[0].bm25_score == passages[0].score
        elif mode == "dense":
            assert passages[0].bm25_score is None and passages[0].dense_score == passages[0].score
        else:
            assert passages[0].dense_score is not None and passages[0].bm25_score is not None
    with pytest.raises(ValueError, match="hybrid, dense, bm25"):
        retriever.search("x", mode="sparse")


def test_query_vector_reused_and_bm25_does_not_embed():
    emb = HashEmbedder()
    retriever = Retriever(_index(emb), emb)
    calls = emb.calls
    vector = emb.encode_query("event-free survival")

    class NoEmbed(HashEmbedder):
        def encode_query(self, text):
            raise AssertionError("should not embed")

    fixed = Retriever(retriever.index, NoEmbed())
    a = fixed.search("event-free survival", k=2, query_vector=vector)
    b = retriever.search("event-free survival", k=2)
    assert [p.chunk.id for p in a] == [p.chunk.id for p in b]
    fixed.search("event-free survival", k=2, mode="bm25")
    assert emb.calls == calls


def test_k_larger_than_index_and_empty_query():
    emb = HashEmbedder()
    retriever = Retriever(_index(emb), emb)
    assert len(retriever.search("survival", k=50)) == 5
    assert len(retriever.search("", k=3, mode="hybrid")) == 3
    assert retriever.search("", k=3, mode="bm25") == []
    assert [p.chunk.id for p in retriever.search("NCT03575351", k=3, mode="bm25")] == ["d:1"]
    with pytest.raises(ValueError, match="dimension 3"):
        retriever.search("x", query_vector=np.ones(3, dtype=np.float32))


@pytest.mark.parametrize("method", ["convex", "rrf"])
def test_hybrid_ranking_does_not_depend_on_k(method):
    emb = HashEmbedder()
    retriever = Retriever(_index(emb, FusionParams(method=method, candidates=3)), emb)
    short = retriever.search("event-free survival CAR-T", k=2)
    long = retriever.search("event-free survival CAR-T", k=5)
    assert [(p.chunk.id, p.score) for p in short] == [(p.chunk.id, p.score) for p in long[:2]]


def test_single_bm25_match_still_counts():
    emb = HashEmbedder()
    retriever = Retriever(_index(emb, FusionParams(weight=0.0)), emb)
    top = retriever.search("NCT03575351", k=1)[0]
    assert top.chunk.id == "d:1" and top.score == pytest.approx(1.0)
