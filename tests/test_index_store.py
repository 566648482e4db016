from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from citeqa.index import store
from citeqa.index.errors import IndexBuildError, IndexLoadError
from citeqa.index.retriever import Retriever
from citeqa.index.store import build_index, load_index
from citeqa.index.testing import HashEmbedder, simple_chunks, simple_document
from citeqa.ingest.errors import IngestError

DOCS = {
    "zuma7.txt": "ZUMA-7 axi-cel versus standard care\n\nAxicabtagene ciloleucel (CAR-T) improved event-free "
    "survival in second-line large B-cell lymphoma.\n\nThe complete response rate was 65% with axi-cel.",
    "transform.txt": "TRANSFORM liso-cel\n\nLisocabtagene maraleucel improved event-free survival versus "
    "standard of care; NCT03575351.\n\nCytokine release syndrome occurred in 49% of patients.",
    "polar.txt": "POLARIX\n\nPolatuzumab vedotin plus R-CHP improved progression-free survival in untreated "
    "diffuse large B-cell lymphoma.",
}


def _parse(path: Path):
    if "BROKEN" in Path(path).read_text(encoding="utf-8"):
        raise IngestError(path, "unreadable test file")
    return simple_document(path)


@pytest.fixture(autouse=True)
def stub_ingest(monkeypatch):
    monkeypatch.setattr(store, "_parse", _parse)
    monkeypatch.setattr(store, "_chunk", simple_chunks)
    monkeypatch.setattr(store, "_corpus_files", lambda paths: [Path(p) for p in paths])


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "corpus"
    folder.mkdir()
    paths = []
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _results(retriever: Retriever, mode: str) -> list[tuple[str, float]]:
    return [(p.chunk.id, round(p.score, 5)) for p in retriever.search("axi-cel CAR-T event-free survival", k=5, mode=mode)]


def _debris(folder: Path, idx_dir: Path) -> list[str]:
    """Hidden entries of ``folder`` other than the version ``idx_dir`` points at and its lock files."""
    live, locks = idx_dir.resolve(), {folder / f".{idx_dir.name}.lock", folder / f".{idx_dir.name}.write.lock"}
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p != live and p not in locks)


def test_build_writes_layout_and_manifest(tmp_path, corpus):
    emb = HashEmbedder()
    report = build_index(corpus, tmp_path / "idx", emb)
    assert report.documents == 3 and report.errors == []
    assert report.chunks == report.embedded == 8 and report.reused == 0
    idx_dir = tmp_path / "idx"
    for name in ("manifest.json", "chunks.jsonl", "vectors.npy", "faiss.index", "bm25", "documents", "params.json"):
        assert (idx_dir / name).exists(), name
    manifest = json.loads((idx_dir / "manifest.json").read_text())
    assert manifest["model"] == emb.name and manifest["dimension"] == 64 and manifest["chunk_count"] == 8
    assert set(manifest["documents"]) == {"zuma7", "transform", "polar"}
    entry = manifest["documents"]["zuma7"]
    assert entry["chunk_count"] == 3 and entry["kind"] == "txt" and entry["sha256"] == manifest["files"][entry["path"]]
    assert {"path", "sha256", "kind", "title", "pages", "chunk_count", "added_at"} <= set(entry)
    assert "created_at" in manifest and manifest["format_version"] == store.FORMAT_VERSION
    assert _debris(tmp_path, idx_dir) == []


def test_round_trip_same_results(tmp_path, corpus):
    emb = HashEmbedder()
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, emb)
    index = load_index(idx_dir, model=emb.name, dimension=emb.dimension)
    assert len(index.chunks) == 8 and index.vectors.shape == (8, 64) and index.vectors.dtype == np.float32
    assert index.chunk_by_id["zuma7:1"].doc_id == "zuma7"
    assert index.documents["zuma7"].text == DOCS["zuma7.txt"]
    first = {m: _results(Retriever(index, emb), m) for m in ("hybrid", "dense", "bm25")}
    again = load_index(idx_dir)
    second = {m: _results(Retriever(again, emb), m) for m in ("hybrid", "dense", "bm25")}
    assert first == second
    assert first["bm25"][0][0] == "zuma7:1"


def test_incremental_reuses_vectors(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    emb = HashEmbedder()
    report = build_index(corpus, idx_dir, emb)
    assert report.embedded == 0 and report.reused == 8 and emb.encoded == 0
    added = corpus[0].parent / "new.txt"
    added.write_text("New study\n\nGlofitamab bispecific antibody in relapsed lymphoma.", encoding="utf-8")
    emb = HashEmbedder()
    report = build_index([*corpus, added], idx_dir, emb)
    assert report.embedded == 2 == emb.encoded and report.reused == 8 and report.chunks == 10
    assert "new" in load_index(idx_dir).documents


def test_added_at_kept_for_unchanged_documents(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    before = json.loads((idx_dir / "manifest.json").read_text())["documents"]
    before["zuma7"]["added_at"] = "2000-01-01T00:00:00+00:00"
    manifest = json.loads((idx_dir / "manifest.json").read_text())
    manifest["documents"] = before
    (idx_dir / "manifest.json").write_text(json.dumps(manifest))
    build_index(corpus, idx_dir, HashEmbedder())
    after = json.loads((idx_dir / "manifest.json").read_text())["documents"]
    assert after["zuma7"]["added_at"] == "2000-01-01T00:00:00+00:00"


def test_model_change_reembeds_everything(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    report = build_index(corpus, idx_dir, HashEmbedder(name="other-model"))
    assert report.embedded == 8 and report.reused == 0


def test_failure_mid_build_keeps_old_index(tmp_path, corpus, monkeypatch):
    idx_dir = tmp_path / "idx"
    build_index(corpus[:2], idx_dir, HashEmbedder())
    before = (idx_dir / "manifest.json").read_text()

    def boom(self, path):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(store.DenseIndex, "save", boom)
    with pytest.raises(IndexBuildError, match="disk full"):
        build_index(corpus, idx_dir, HashEmbedder())
    assert (idx_dir / "manifest.json").read_text() == before
    assert len(load_index(idx_dir).documents) == 2
    assert _debris(tmp_path, idx_dir) == []


def test_failure_during_swap_restores_old_index(tmp_path, corpus, monkeypatch):
    idx_dir = tmp_path / "idx"
    build_index(corpus[:1], idx_dir, HashEmbedder())
    real_replace = store.os.replace

    def flaky(src, dst):
        if Path(dst) == idx_dir:
            raise OSError("rename failed (simulated)")
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", flaky)
    with pytest.raises(IndexBuildError, match="rename failed"):
        build_index(corpus, idx_dir, HashEmbedder())
    assert list(load_index(idx_dir).documents) == ["zuma7"]
    assert _debris(tmp_path, idx_dir) == []


def test_embedder_failure_keeps_old_index(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus[:1], idx_dir, HashEmbedder())

    class Exploding(HashEmbedder):
        def encode(self, texts, *, progress=False):
            raise RuntimeError("out of memory (simulated)")

    with pytest.raises(RuntimeError):
        build_index(corpus, idx_dir, Exploding())
    assert list(load_index(idx_dir).documents) == ["zuma7"]


def test_bad_file_collected_others_indexed(tmp_path, corpus):
    bad = corpus[0].parent / "bad.txt"
    bad.write_text("BROKEN", encoding="utf-8")
    report = build_index([*corpus, bad], tmp_path / "idx", HashEmbedder())
    assert report.documents == 3
    assert [p for p, _ in report.errors] == [str(bad)] and "unreadable" in report.errors[0][1]


def test_all_files_fail_raises_and_keeps_old(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    bad = corpus[0].parent / "bad.txt"
    bad.write_text("BROKEN", encoding="utf-8")
    with pytest.raises(IndexBuildError, match="bad.txt"):
        build_index([bad], idx_dir, HashEmbedder())
    assert len(load_index(idx_dir).documents) == 3


def test_model_mismatch_message(tmp_path, corpus):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder(name="model-A"))
    with pytest.raises(IndexLoadError) as err:
        load_index(idx_dir, model="model-B", dimension=64)
    message = str(err.value)
    assert str(idx_dir) in message and "model-A (dim 64)" in message and "model-B" in message
    assert "citeqa ingest" in message
    with pytest.raises(IndexLoadError, match="dim 384"):
        load_index(idx_dir, model="model-A", dimension=384)
    assert load_index(idx_dir, model="model-A", dimension=64).model == "model-A"


def test_missing_and_corrupt_index(tmp_path, corpus):
    with pytest.raises(IndexLoadError, match="does not exist"):
        load_index(tmp_path / "nowhere")
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    np.save(idx_dir / "vectors.npy", np.zeros((3, 64), dtype=np.float32))
    with pytest.raises(IndexLoadError, match="vectors.npy"):
        load_index(idx_dir)
    (idx_dir / "faiss.index").write_bytes(b"garbage")
    with pytest.raises(IndexLoadError, match=r"corrupt index .*faiss\.index"):
        load_index(idx_dir)
    (idx_dir / "manifest.json").write_text("{not json")
    with pytest.raises(IndexLoadError, match="corrupt index manifest"):
        load_index(idx_dir)
    (idx_dir / "manifest.json").unlink()
    with pytest.raises(IndexLoadError, match="manifest.json is missing"):
        load_index(idx_dir)


def test_no_files_raises(tmp_path):
    with pytest.raises(IndexBuildError, match="no corpus files"):
        build_index([], tmp_path / "idx", HashEmbedder())


def test_refuses_to_replace_a_foreign_folder(tmp_path, corpus):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(IndexBuildError, match="not a citeqa index"):
        build_index(corpus, foreign, HashEmbedder())
    assert (foreign / "holiday.jpg").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_index(corpus, empty, HashEmbedder()).documents == 3


def test_unchanged_files_are_not_parsed_again(tmp_path, corpus, monkeypatch):
    idx_dir = tmp_path / "idx"
    build_index(corpus, idx_dir, HashEmbedder())
    parsed: list[str] = []

    def counting(path: Path):
        parsed.append(Path(path).name)
        return _parse(path)

    report = build_index(corpus, idx_dir, HashEmbedder(), parse=counting)
    assert parsed == [] and report.unchanged == 3 and report.documents == 3 and report.chunks == 8
    corpus[1].write_text(DOCS["transform.txt"].replace("49%", "42%"), encoding="utf-8")
    report = build_index(corpus, idx_dir, HashEmbedder(), parse=counting, existing=store.Existing.keep)
    assert parsed == ["transform.txt"] and report.unchanged == 2
    assert "42%" in load_index(idx_dir).documents["transform"].text
    monkeypatch.setattr(store, "parser_version", lambda: "another parser")
    parsed.clear()
    build_index(corpus, idx_dir, HashEmbedder(), parse=counting)
    assert sorted(parsed) == ["polar.txt", "transform.txt", "zuma7.txt"]  # parsed by another version: read again
