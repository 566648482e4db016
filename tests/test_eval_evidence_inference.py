"""Evidence Inference suite: loading, scoring by evidence overlap, the gate, and a real slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_doubles import ScriptedEngine, answer, citation, passage

from citeqa.eval import evidence_inference as ei
from citeqa.eval.evidence_inference import BenchmarkDataError, Prompt
from citeqa.eval.results import check_thresholds, load_thresholds

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "evidence-inference"
P1 = Prompt("1", "PMC1", "What was the effect of A compared with B on C?", "significantly increased", ((500, 600),))
P2 = Prompt("2", "PMC2", "What was the effect of D compared with E on F?", "no significant difference", ((10, 50),))


def doc_id(doc: str) -> str:
    return doc.lower()


def test_load_prompts_and_errors_name_file_line_and_field(tmp_path):
    folder = tmp_path / "ei"
    folder.mkdir()
    good = {"id": "7", "doc": "PMC9", "question": "q?", "label": "x", "evidence": [{"start": 1, "end": 5, "text": "abcd"}]}
    (folder / "prompts-validation.jsonl").write_text(json.dumps(good) + "\n\n", encoding="utf-8")
    assert ei.load_prompts(folder, "validation") == [Prompt("7", "PMC9", "q?", "x", ((1, 5),))]
    good["evidence"] = [{"start": 1, "end": 6, "text": "abcd"}]  # the published files' end is one too far
    (folder / "prompts-validation.jsonl").write_text(json.dumps(good) + "\n", encoding="utf-8")
    assert ei.load_prompts(folder, "validation")[0].evidence == ((1, 5),)
    (folder / "prompts-train.jsonl").write_text(json.dumps(good) + "\n" + json.dumps({"id": "8", "doc": "PMC9"}) + "\n")
    with pytest.raises(BenchmarkDataError, match=r"prompts-train.jsonl:2: field 'question'"):
        ei.load_prompts(folder, "train")
    with pytest.raises(BenchmarkDataError, match="unknown Evidence Inference split 'test'"):
        ei.load_prompts(folder, "test")
    with pytest.raises(BenchmarkDataError, match="file\\(s\\) missing"):
        ei.article_files(folder, [P1])


def test_cited_evidence_counts_only_same_article_overlap():
    script = {
        P1.question: answer(citations=[citation("pmc1", 590, 650)], passages=[passage("pmc1", 550, 700)]),  # right
        P2.question: answer(citations=[citation("pmc1", 10, 50)], passages=[passage("pmc2", 60, 90)]),  # wrong article
    }
    result = ei.run(ScriptedEngine(script), [P1, P2], "validation", doc_id)
    scores = result.parts["validation"]
    assert scores["n"] == 2 and scores["answer_rate"] == 1.0
    assert scores["cited_evidence_share_answered"] == 0.5 and scores["cited_evidence_share_all"] == 0.5
    assert scores["miscited_share_all"] == 0.5
    assert scores["evidence_at_5"] == 0.5 and scores["article_at_5"] == 1.0
    assert [i.ok for i in result.items] == [True, False]
    assert "does not cite the evidence" in result.items[1].message


def test_evidence_beyond_the_fifth_passage_does_not_count():
    late = [passage("pmc1", 0, 10)] * 5 + [passage("pmc1", 550, 560)]
    result = ei.run(ScriptedEngine({P1.question: answer(passages=late)}), [P1], "validation", doc_id)
    assert result.parts["validation"]["evidence_at_5"] == 0.0


def _gate(result):
    return check_thresholds([result], load_thresholds())


def test_the_gate_fails_an_engine_that_abstains_on_everything():
    """Abstaining everywhere leaves 'cites evidence / answered' unmeasured; the answer-rate floor catches it."""
    result = ei.run(ScriptedEngine({}), [P1, P2], "validation", doc_id)
    assert result.parts["validation"]["cited_evidence_share_answered"] is None
    assert any(v.startswith("evidence-inference.validation.answer_rate") for v in _gate(result))


def test_the_gate_fails_an_engine_that_cites_the_wrong_passages():
    wrong = {p.question: answer(citations=[citation("pmc1", 0, 5)], passages=[passage("pmc9", 0, 5)]) for p in (P1, P2)}
    violations = _gate(ei.run(ScriptedEngine(wrong), [P1, P2], "validation", doc_id))
    assert any(v.startswith("evidence-inference.validation.cited_evidence_share_answered") for v in violations)
    assert any(v.startswith("evidence-inference.validation.evidence_at_5") for v in violations)


@pytest.mark.slow
def test_real_slice_over_the_prompts_own_articles(embedder, tmp_path):
    """10 validation prompts over only their own articles, through the real ingest, index and engine."""
    if not SHARED.is_dir():
        pytest.skip(f"Evidence Inference not found at {SHARED}")
    from citeqa.eval.suites import EvalOptions, run_evidence_inference
    from citeqa.qa.engine import Engine

    opts = EvalOptions(benchmarks=SHARED.parent, limit=10, own_documents=True, cache_dir=tmp_path)
    result = run_evidence_inference(opts, embedder, Engine)
    scores = result.parts["validation"]
    assert scores["n"] == 10 and scores["errors"] == 0
    # the evidence spans are offsets into the text ingest produced for the benchmark index
    from citeqa.eval.corpora import cached_index

    prompts = ei.load_prompts(SHARED, "validation")[:10]
    build = cached_index("evidence-inference-own", ei.article_files(SHARED, prompts), embedder, tmp_path)
    assert build.cached
    texts = {json.loads(line)["id"]: json.loads(line)["evidence"] for line in (SHARED / "prompts-validation.jsonl").open()}
    for p in prompts:
        text = build.index.documents[p.doc.lower()].text
        assert [text[s:e] for s, e in p.evidence] == [e["text"] for e in texts[p.id]]
    assert scores["article_at_5"] == 1.0  # only the prompts' own articles are indexed
    assert scores["evidence_at_5"] >= 0.5
