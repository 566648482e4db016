"""The HTTP benchmark script, run briefly against the fake engine."""

from __future__ import annotations

import shutil

import httpx
import pytest

from citeqa.api.app import create_app
from citeqa.api.testing import ServerThread, build_fake_engine, fake_manager
from citeqa.eval import bench_http
from citeqa.settings import Settings


def test_percentile_and_summary():
    assert bench_http.percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert bench_http.percentile([5], 95) == 5
    summary = bench_http.summarise([10.0, 20.0, 30.0], errors=1)
    assert summary["requests"] == 3 and summary["errors"] == 1 and summary["p50_ms"] == 20.0


def test_bench_against_a_running_service(tmp_path, review_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    engine = build_fake_engine(corpus, settings.index_dir)
    with ServerThread(create_app(settings, manager=fake_manager(settings, engine))) as server:
        args = ["--url", server.url, "--asks", "6", "--searches", "6", "--clients", "3", "--seconds", "2",
                "--upload-chunks", "30"]
        assert bench_http.main(args) == 0
        with httpx.Client(base_url=server.url) as http:  # the load run's upload was deleted after
            assert http.get("/v1/documents").json()["count"] == 1
            jobs = http.get("/v1/jobs").json()["jobs"]
    out = capsys.readouterr().out
    assert "POST /v1/ask" in out and "GET /v1/search" in out and "p50" in out
    assert "3 clients for 2 s during an upload" in out and "errors under load: 0" in out
    assert [(j["kind"], j["state"]) for j in jobs] == [("delete", "done"), ("upload", "done")]


def test_the_load_document_embeds_new_chunks(tmp_path, review_path):
    (tmp_path / "review.txt").write_text(review_path.read_text(encoding="utf-8"), encoding="utf-8")
    text = bench_http.upload_document(tmp_path, 40).decode("utf-8")
    assert text.count("Section ") == 40 and "In part 40 of this benchmark document" in text


def test_the_large_corpus_run_needs_the_cached_benchmark_index(tmp_path):
    """`--large evidence-inference` serves the eval cache's index; missing, it says how to build it."""
    folder = tmp_path / "evidence-inference"
    (folder / "corpus").mkdir(parents=True)
    (folder / "corpus" / "PMC1.txt").write_text("A trial\n\nIt worked.\n", encoding="utf-8")
    (folder / "prompts-validation.jsonl").write_text(
        '{"id": "1", "doc": "PMC1", "question": "What was the effect?", "evidence": [{"start": 9, "end": 19}]}\n')
    with pytest.raises(SystemExit, match="make eval-ei"):
        bench_http.large_corpus("evidence-inference", tmp_path, tmp_path / "cache", "some-model")
