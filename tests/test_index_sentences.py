"""Sentence vectors beside the chunk vectors: built once, saved with the index, reused by the next build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from citeqa.index import store
from citeqa.index.sentences import SENTENCES, SentenceTable, chunk_sentences
from citeqa.index.store import build_index, load_index
from citeqa.index.testing import HashEmbedder, simple_chunks, simple_document

TRIAL = (
    "Drug A in heart failure\n\n"
    "Drug A lowered mortality. The hazard ratio was 0.80 (95% CI, 0.70-0.91). Adverse events were rare.\n\n"
    "Conclusions follow."
)


@pytest.fixture(autouse=True)
def stub_ingest(monkeypatch):
    monkeypatch.setattr(store, "_parse", simple_document)
    monkeypatch.setattr(store, "_chunk", simple_chunks)
    monkeypatch.setattr(store, "_corpus_files", lambda paths: [Path(p) for p in paths])


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    path = tmp_path / "trial.txt"
    path.write_text(TRIAL, encoding="utf-8")
    return [path]


def test_a_chunk_is_cut_into_its_sentences(corpus):
    doc = simple_document(corpus[0])
    chunk = simple_chunks(doc)[1]
    spans = chunk_sentences(doc, chunk)
    assert [doc.text[s:e] for s, e in spans] == [
        "Drug A lowered mortality.", "The hazard ratio was 0.80 (95% CI, 0.70-0.91).", "Adverse events were rare."]


def test_sentences_are_embedded_saved_and_loaded(tmp_path, corpus):
    emb = HashEmbedder()
    build_index(corpus, tmp_path / "idx", emb)
    assert (tmp_path / "idx" / SENTENCES).is_file()
    index = load_index(tmp_path / "idx")
    table = index.sentences
    assert table is not None and len(table) == 5  # title, 3 sentences, conclusions
    assert emb.encoded == 3 + 3  # three chunks, and the three sentences of the one chunk that has several
    bounds = table.bounds(len(index.chunks))
    middle = range(bounds[1], bounds[2])
    texts = [index.documents["trial"].text[s:e] for s, e in table.spans[middle].tolist()]
    assert texts[1].startswith("The hazard ratio")
    # one-sentence chunks take their chunk's vector; sentences of longer chunks have their own
    assert np.allclose(table.vectors[bounds[0]].astype(np.float32), index.vectors[0], atol=1e-3)
    assert not np.allclose(table.vectors[middle.start].astype(np.float32), index.vectors[1], atol=1e-3)


def test_a_rebuild_reuses_sentence_vectors(tmp_path, corpus):
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    emb = HashEmbedder()
    build_index(corpus, tmp_path / "idx", emb)
    assert emb.encoded == 0


def test_an_index_without_sentences_still_loads(tmp_path, corpus):
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    (tmp_path / "idx" / SENTENCES).unlink()
    assert load_index(tmp_path / "idx").sentences is None


def test_a_sentence_table_that_does_not_fit_is_refused(tmp_path, corpus):
    build_index(corpus, tmp_path / "idx", HashEmbedder())
    table = SentenceTable.load(tmp_path / "idx")
    broken = SentenceTable(table.rows + 10, table.spans, table.keys, table.vectors)
    broken.save(tmp_path / "idx")
    with pytest.raises(store.IndexLoadError, match="sentences.npz"):
        load_index(tmp_path / "idx")
