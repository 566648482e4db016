"""CLI tests through typer's CliRunner.

Fast tests swap the embedding model for ``HashEmbedder`` (the real engine, index and ingest
code otherwise); the ``slow`` ones run the bundled model over the bundled corpus, sharing one
index per module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citeqa.api import cli
from citeqa.index.testing import HashEmbedder

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(cli.app, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def hashed(monkeypatch):
    """Replace the embedding model with a fast deterministic one."""
    monkeypatch.setattr(cli, "make_embedder", lambda settings: HashEmbedder())


@pytest.fixture
def corpus(tmp_path, review_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copyfile(review_path, folder / "review.txt")
    return folder


@pytest.fixture
def indexed(hashed, corpus, tmp_path) -> Path:
    index = tmp_path / "index"
    result = invoke("--index", str(index), "ingest", str(corpus), "--no-progress")
    assert result.exit_code == 0, result.output
    return index


def test_help_lists_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("ingest", "search", "ask", "serve", "eval", "bench-retrieval"):
        assert command in result.output


def test_ingest_reports_counts_then_reuses(hashed, corpus, tmp_path):
    index = tmp_path / "idx"
    first = invoke("--index", str(index), "ingest", str(corpus), "--no-progress")
    assert first.exit_code == 0, first.output
    assert "1 document(s)" in first.stdout and "0 reused" in first.stdout
    assert (index / "manifest.json").is_file()
    second = invoke("--index", str(index), "ingest", str(corpus), "--no-progress")
    assert second.exit_code == 0
    assert "(0 embedded" in second.stdout


def test_ingest_defaults_to_the_corpus_dir(hashed, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("CITEQA_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CITEQA_INDEX_DIR", str(tmp_path / "envidx"))
    result = invoke("ingest", "--no-progress")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "envidx" / "manifest.json").is_file()


def test_ingest_indexes_the_good_files_names_each_bad_one_once_and_exits_1(hashed, corpus, tmp_path):
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    from hostile_files import word_document

    (corpus / "letter.pdf").write_bytes(word_document())
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(corpus), "--no-progress")
    assert result.exit_code == 1, result.output
    assert result.stderr.count("broken.pdf") == 1 and "corrupt or unreadable PDF" in result.stderr
    assert result.stderr.count("letter.pdf") == 1 and "not a PDF: it is a Word document (.docx)" in result.stderr
    assert "indexed 1 document(s)" in result.stdout and "2 file(s) failed" in result.stdout
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(corpus), "--no-progress", "--json")
    assert result.exit_code == 1
    outcome = json.loads(result.stdout)
    assert outcome["documents"] == 1 and outcome["embedded"] == 0 and outcome["reused"] > 0
    assert sorted(Path(f["path"]).name for f in outcome["failed"]) == ["broken.pdf", "letter.pdf"]
    assert "Word document" in next(f["error"] for f in outcome["failed"] if f["path"].endswith("letter.pdf"))


def test_ingest_json_on_success_exits_0(hashed, corpus, tmp_path):
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(corpus), "--no-progress", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["documents"] == 1 and outcome["failed"] == [] and outcome["chunks"] > 50


def test_ingest_fails_when_nothing_indexable(hashed, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(bad), "--no-progress")
    assert result.exit_code == 1
    assert "broken.pdf" in result.stderr and "Traceback" not in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(empty))
    assert result.exit_code == 1 and "no .pdf, .txt or .md" in result.stderr
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_no_index_is_a_friendly_error(hashed, tmp_path):
    for args in (["ask", "CR rate?"], ["search", "CR"], ["ask", "--json", "-"]):
        result = invoke("--index", str(tmp_path / "none"), *args, input="q\n")
        assert result.exit_code == 1, args
        assert "run `citeqa ingest` first" in result.stderr
        assert "Traceback" not in result.output


def test_model_mismatch_is_a_friendly_error(indexed, monkeypatch):
    monkeypatch.setattr(cli, "make_embedder", lambda settings: HashEmbedder(name="other-model", dimension=32))
    result = invoke("--index", str(indexed), "ask", "CR rate?")
    assert result.exit_code == 1
    assert "built with model" in result.stderr and "Traceback" not in result.output


def test_search_human_and_json(indexed):
    human = invoke("--index", str(indexed), "search", "epcoritamab complete response", "-k", "3", "--mode", "bm25")
    assert human.exit_code == 0, human.output
    assert " 1. " in human.stdout and "review" in human.stdout
    raw = invoke("--index", str(indexed), "search", "epcoritamab", "-k", "2", "--json")
    data = json.loads(raw.stdout)
    assert data["k"] == 2 and len(data["results"]) == 2 and data["mode"] == "hybrid"
    assert {"passage_id", "score", "section", "page", "references"} <= set(data["results"][0])


@pytest.mark.parametrize(
    "args",
    [["search", "x", "-k", "0"], ["search", "x", "-k", "51"], ["search", "x", "--mode", "fuzzy"], ["ask", "x", "-k", "99"], ["search", "  "], ["ask", "   "], ["ask", "x" * 2001]],
)
def test_bad_usage_exits_2(indexed, args):
    result = invoke("--index", str(indexed), *args)
    assert result.exit_code == 2, result.output


def test_ask_human_output(indexed):
    result = invoke("--index", str(indexed), "ask", "epcoritamab post-CAR-T CR rate")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "34%" in out and "Thieblemont" in out and "“" in out


def test_ask_badges(indexed):
    result = invoke("--index", str(indexed), "ask", "What was the CR rate of unicornumab?")
    assert result.exit_code == 0
    assert "NOT IN CORPUS" in result.stdout


def test_ask_json_one_question(indexed):
    result = invoke("--index", str(indexed), "ask", "epcoritamab post-CAR-T CR rate", "--json", "-k", "3")
    data = json.loads(result.stdout)
    assert data["value"]["number"] == 34 and len(data["passages"]) == 3


def test_ask_json_stdin_one_line_each_in_order(indexed, monkeypatch):
    loads = []
    real = cli.load_engine
    monkeypatch.setattr(cli, "load_engine", lambda s: loads.append(1) or real(s))
    questions = ["epcoritamab post-CAR-T CR rate", "", "What was the CR rate of unicornumab?", "glofitamab CR rate after CAR T"]
    result = invoke("--index", str(indexed), "ask", "--json", "-", input="\n".join(questions) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == [q for q in questions if q]
    assert lines[0]["value"]["number"] == 34
    assert loads == [1]


def test_ask_stdin_bad_line_reports_and_continues(indexed):
    result = invoke("--index", str(indexed), "ask", "--json", "-", input="x" * 2001 + "\nepcoritamab post-CAR-T CR rate\n")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "error" in lines[0] and lines[1]["value"]["number"] == 34


def test_ask_stdin_human(indexed):
    result = invoke("--index", str(indexed), "ask", "-", input="epcoritamab post-CAR-T CR rate\nWhat was the CR rate of unicornumab?\n")
    assert result.exit_code == 0
    assert result.stdout.count("Q: ") == 2 and "34%" in result.stdout


def test_ask_interactive_loop(indexed):
    result = invoke("--index", str(indexed), "ask", input="epcoritamab post-CAR-T CR rate\nquit\n")
    assert result.exit_code == 0, result.output
    assert "34%" in result.stdout


def test_serve_builds_missing_index_then_runs(hashed, corpus, tmp_path, monkeypatch):
    import uvicorn

    calls = {}

    def fake_run(app, host, port, **kwargs):
        calls.update(app=app, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.setenv("CITEQA_CORPUS_DIR", str(corpus))
    index = tmp_path / "served"
    result = invoke("serve", "--index", str(index), "--port", "8765")
    assert result.exit_code == 0, result.output
    assert (index / "manifest.json").is_file()
    assert calls["host"] == "127.0.0.1" and calls["port"] == 8765
    assert calls["app"].state.manager.engine is not None


def test_eval_runs_the_harness(indexed, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "epco", "question": "epcoritamab post-CAR-T CR rate", "expected": {"number": 34, "unit": "%"}}) + "\n",
        encoding="utf-8",
    )
    report = tmp_path / "out" / "report.md"
    result = invoke("--index", str(indexed), "eval", str(questions), "--json", "--report", str(report))
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)
    assert report.is_file()


def test_eval_bad_question_file_is_friendly(indexed, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    result = invoke("--index", str(indexed), "eval", str(bad))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_bench_retrieval_on_a_tiny_beir_set(hashed, tmp_path):
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    docs = [
        {"_id": "d1", "title": "Epcoritamab", "text": "Epcoritamab achieved a complete response in 34% of patients."},
        {"_id": "d2", "title": "Glofitamab", "text": "Glofitamab is a bispecific antibody given intravenously."},
    ]
    (beir / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    (beir / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "epcoritamab complete response"}) + "\n", encoding="utf-8")
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    result = invoke("bench-retrieval", "--beir", str(beir), "--split", "test", "--json", "--cache", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["bm25"]["ndcg@10"] == pytest.approx(1.0)
    human = invoke("bench-retrieval", "--beir", str(beir), "--split", "test", "--cache", str(tmp_path / "c"))
    assert "nDCG@10" in human.stdout
    missing = invoke("bench-retrieval", "--beir", str(tmp_path / "nope"), "--split", "test")
    assert missing.exit_code == 1 and "no BEIR data set" in missing.stderr


# --- the real model over the real corpus ---------------------------------------------


@pytest.fixture(scope="module")
def real_index(tmp_path_factory, review_path) -> Path:
    root = tmp_path_factory.mktemp("cli-real")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    result = invoke("--index", str(root / "index"), "ingest", str(corpus), "--no-progress")
    assert result.exit_code == 0, result.output
    return root / "index"


@pytest.mark.slow
def test_real_ask_json_stdin(real_index):
    questions = ["epcoritamab post-CAR-T CR rate", "What was the CR rate of unicornumab?"]
    result = invoke("--index", str(real_index), "ask", "--json", "-", input="\n".join(questions) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == questions
    assert lines[0]["value"]["number"] == 34
    assert any(r["number"] == 21 for c in lines[0]["citations"] for r in c["references"])
    assert lines[1]["abstained"] is True


@pytest.mark.slow
def test_real_search_and_ask_human(real_index):
    search = invoke("--index", str(real_index), "search", "epcoritamab post-CAR-T complete response", "--json")
    assert search.exit_code == 0
    assert any("Epcoritamab" in h["text"] for h in json.loads(search.stdout)["results"][:5])
    ask = invoke("--index", str(real_index), "ask", "epcoritamab post-CAR-T CR rate")
    assert ask.exit_code == 0 and "34%" in ask.stdout and "Thieblemont" in ask.stdout


def test_ask_with_options_prints_the_choice(indexed):
    result = invoke("--index", str(indexed), "ask", "epcoritamab post-CAR-T CR rate", "--json",
                    "--option", "54%", "--option", "34%")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["choice"] == "34%"
    human = invoke("--index", str(indexed), "ask", "epcoritamab post-CAR-T CR rate", "--option", "54%", "--option", "34%")
    assert "choice: 34%" in human.stdout
    assert invoke("--index", str(indexed), "ask", "x?", "--option", "only one").exit_code == 2


def test_ingest_one_file_keeps_the_rest_and_removing_is_explicit(hashed, corpus, tmp_path):
    from citeqa.index.store import load_index
    from journal_fixture import make_journal_pdf

    index = tmp_path / "index"
    (corpus / "notes.md").write_text("# Notes\n\nGlofitamab had a CR rate of 35% after CAR T.\n", encoding="utf-8")
    assert invoke("--index", str(index), "ingest", str(corpus), "--no-progress").exit_code == 0
    pdf = make_journal_pdf(tmp_path / "one.pdf")
    result = invoke("--index", str(index), "ingest", str(pdf), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "kept 2 other(s)" in result.stdout
    assert set(load_index(index).documents) == {"review", "notes", "one"}
    (corpus / "notes.md").unlink()
    result = invoke("--index", str(index), "ingest", str(corpus), "--prune", "--no-progress")
    assert result.exit_code == 0 and "removed 1" in result.stdout
    assert set(load_index(index).documents) == {"review", "one"}
    result = invoke("--index", str(index), "ingest", str(pdf), "--replace", "--no-progress")
    assert result.exit_code == 0 and set(load_index(index).documents) == {"one"}
    assert invoke("--index", str(index), "ingest", str(pdf), "--replace", "--prune").exit_code == 2


def test_ingest_warns_about_a_page_without_text(hashed, tmp_path):
    from pypdf import PdfReader, PdfWriter

    from journal_fixture import make_journal_pdf

    writer = PdfWriter()
    for page in PdfReader(make_journal_pdf(tmp_path / "text.pdf")).pages:
        writer.add_page(page)
    writer.add_blank_page()  # a scanned page would have no text layer either
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as fh:
        writer.write(fh)
    result = invoke("--index", str(tmp_path / "i"), "ingest", str(mixed), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "mixed.pdf page 3: no text layer" in result.stderr


@pytest.mark.parametrize(("model", "missing"), [("support", "litqa2"), ("verdict", "pubmedqa"),
                                                ("confidence", "corpus/pdfs")])
def test_training_without_the_shared_benchmarks_names_the_missing_folder(tmp_path, model, missing):
    benchmarks = tmp_path / "benchmarks"  # the shared folder's layout: benchmarks/ beside corpus/pdfs/
    (benchmarks / "evidence-inference").mkdir(parents=True)
    result = invoke("train", "--model", model, "--benchmarks", str(benchmarks), "--out", str(tmp_path / "out"))
    assert result.exit_code != 0
    folder = tmp_path / missing if model == "confidence" else benchmarks / missing
    assert f"no training data at {folder}" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()  # nothing written, the shipped model untouched


def test_training_an_unknown_model_is_refused_with_the_choices():
    result = invoke("train", "--model", "reader")
    assert result.exit_code == 2 and all(m in result.output for m in ("verdict", "support", "confidence"))
