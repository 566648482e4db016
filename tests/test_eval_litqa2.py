"""LitQA2 suite: options, PaperQA2's accuracy and precision, key-passage retrieval, and a real slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_doubles import LegacyEngine, ScriptedEngine, answer, citation, passage

from citeqa.eval import litqa2
from citeqa.eval.evidence_inference import BenchmarkDataError
from citeqa.eval.litqa2 import Question
from citeqa.eval.results import check_thresholds, load_thresholds

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "litqa2"
KEY = "A. baumannii readily evolved resistance to meropenem, ciprofloxacin, and gentamicin, but A. lwoffii only evolved resistance to ciprofloxacin"
Q1 = Question("q1", "paper-1", "Which antibiotic did A. lwoffii evolve resistance to?", "ciprofloxacin",
              ("meropenem", "gentamicin", "ampicillin"), KEY)
Q2 = Question("q2", "paper-2", "How many loci?", "12,300", ("4,900", "39,400"), None)
Q3 = Question("q3", "paper-1", "Which gene?", "RlmB", ("RlmN", "RlmM"), "RlmB promotes assembly of the large subunit")


def same(doc: str) -> str:
    return doc


def test_rejoin_thousands_only_for_grouped_ideals():
    assert litqa2.rejoin_thousands(["4", "900", "39", "400", "2", "750"], "12,300") == ["4,900", "39,400", "2,750"]
    assert litqa2.rejoin_thousands(["4", "900"], "12") == ["4", "900"]
    assert litqa2.rejoin_thousands(["12", "300", "7"], "1,000") == ["12,300", "7"]


def test_options_are_all_there_in_a_fixed_order():
    options = Q1.options()
    assert sorted(options) == sorted([Q1.ideal, *Q1.distractors])
    assert Q1.options() == options and Q1.options(seed=7) == Q1.options(seed=7)
    assert len({tuple(Q1.options(seed=s)) for s in range(10)}) > 1


def test_key_passage_words_and_extraction():
    chunk = "Here A. baumannii readily evolved resistance to meropenem, ciprofloxacin and gentamicin; A. lwoffii did not."
    assert litqa2.key_coverage(KEY, chunk) >= 0.6
    assert litqa2.key_coverage(KEY, "Unrelated text about growth media.") < 0.2
    assert litqa2.key_in_passages(Q1, "paper-1", [passage("paper-1", 0, 9, chunk)])
    assert not litqa2.key_in_passages(Q1, "paper-1", [passage("paper-2", 0, 9, chunk)])
    assert not litqa2.key_in_passages(Q1, "paper-1", [passage("paper-1", 0, 9, "x")] * 10 + [passage("paper-1", 0, 9, chunk)])
    pdf_text = "A. bau-\nmannii readily evolved re\ufb01stance"  # hyphenation and an fi ligature
    assert litqa2.key_extracted("A. baumannii readily evolved refistance", pdf_text)
    assert not litqa2.key_extracted(KEY, "A. baumannii readily evolved")


def test_accuracy_and_precision_as_paperqa2_reports_them():
    script = {
        Q1.question: answer(choice="ciprofloxacin", citations=[citation("paper-1", 0, 10, "only ciprofloxacin")],
                            passages=[passage("paper-1", 0, 200, KEY)]),  # right
        Q2.question: answer(choice="4,900", citations=[citation("paper-2", 0, 5, "4,850 loci")]),  # wrong
        # Q3 abstains ("insufficient information")
    }
    engine = ScriptedEngine(script)
    result = litqa2.run(engine, [Q1, Q2, Q3], same, {"paper-1": "intro " + KEY})
    scores = result.parts["train"]
    assert scores["accuracy"] == pytest.approx(1 / 3) and scores["precision"] == 0.5
    assert scores["answer_rate"] == pytest.approx(2 / 3) and scores["choice_quoted"] == 0.5
    assert scores["key_passage_at_10"] == 0.5  # Q1 found, Q3 not; Q2 has no key passage
    assert scores["key_passage_extracted"] == 0.5
    assert sorted(engine.options[Q1.question]) == sorted([Q1.ideal, *Q1.distractors])
    assert [i.ok for i in result.items] == [True, False, False] and not result.notes


def test_an_engine_without_options_counts_as_unanswered_but_retrieval_is_scored():
    engine = LegacyEngine({Q1.question: answer(passages=[passage("paper-1", 0, 200, KEY)])})
    result = litqa2.run(engine, [Q1, Q3], same)
    scores = result.parts["train"]
    assert scores["accuracy"] == 0.0 and scores["precision"] is None and scores["key_passage_at_10"] == 0.5
    assert "takes no `options`" in result.notes[0]


def test_the_gate_fails_a_guessing_engine():
    """An engine that always answers the first option loses precision and fails the gate."""
    guesses = ScriptedEngine({})
    guesses.ask = lambda question, k=10, options=None: answer(choice=options[0])  # type: ignore[method-assign]
    questions = [Question(f"g{i}", "paper-1", f"question {i}?", "right", ("w1", "w2", "w3"), None) for i in range(20)]
    result = litqa2.run(guesses, questions, same)
    assert result.parts["train"]["precision"] < 0.5
    assert any(v.startswith("litqa2.train.precision") for v in check_thresholds([result], load_thresholds()))


def test_loader_errors_name_file_line_and_field(tmp_path):
    (tmp_path / "questions-train.jsonl").write_text(json.dumps({"id": "x", "doc": "d", "question": "q?"}) + "\n")
    with pytest.raises(BenchmarkDataError, match=r"questions-train.jsonl:1: field ideal"):
        litqa2.load_questions(tmp_path)
    with pytest.raises(BenchmarkDataError, match="file\\(s\\) missing"):
        litqa2.pdf_files(tmp_path, [Q1])


def test_bundled_questions_load_with_repaired_distractors():
    if not SHARED.is_dir():
        pytest.skip(f"LitQA2 not found at {SHARED}")
    questions = litqa2.load_questions(SHARED)
    assert len(questions) == 40 and len({q.doc for q in questions}) == 38
    loci = next(q for q in questions if q.ideal == "12,300")
    assert loci.distractors == ("4,900", "39,400", "2,750", "2,850")
    assert sum(q.key_passage is None for q in questions) == 3


@pytest.mark.slow
def test_real_slice_of_three_questions_over_their_pdfs(embedder, tmp_path):
    if not SHARED.is_dir():
        pytest.skip(f"LitQA2 not found at {SHARED}")
    from citeqa.eval.suites import EvalOptions, run_litqa2
    from citeqa.qa.engine import Engine

    opts = EvalOptions(benchmarks=SHARED.parent, limit=3, own_documents=True, cache_dir=tmp_path)
    result = run_litqa2(opts, embedder, Engine)
    scores = result.parts["train"]
    assert scores["n"] == 3 and scores["errors"] == 0
    assert scores["key_passage_extracted"] is not None and scores["key_passage_at_10"] is not None
    assert "3 documents" in result.notes[-1] or "2 documents" in result.notes[-1]
