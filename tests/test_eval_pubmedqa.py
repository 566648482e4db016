"""The PubMedQA suite: abstracts written without their conclusion, verdicts and citations scored."""

from __future__ import annotations

import json

import pytest

from citeqa.eval import pubmedqa
from citeqa.eval.evidence_inference import BenchmarkDataError
from eval_doubles import ScriptedEngine, answer, citation

ROWS = [
    {"id": "101", "question": "Does drug A lower blood pressure?", "contexts": ["We randomised 80 adults.", "It fell by 12 mmHg."],
     "labels": ["METHODS", "RESULTS"], "long_answer": "Drug A lowers blood pressure.", "final_decision": "yes"},
    {"id": "102", "question": "Is B better than C?", "contexts": ["No difference was seen."], "labels": ["RESULTS"],
     "long_answer": "B is not better.", "final_decision": "no"},
    {"id": "103", "question": "Vitamin D in winter: worth it?", "contexts": ["Results were mixed."], "labels": ["RESULTS"],
     "long_answer": "Perhaps.", "final_decision": "maybe"},
]


def test_abstracts_are_written_without_their_conclusion(tmp_path):
    paths = pubmedqa.write_abstracts(ROWS, tmp_path)
    text = paths[0].read_text(encoding="utf-8")
    assert "Results\nIt fell by 12 mmHg." in text and "Drug A lowers" not in text
    assert [p.name for p in paths] == ["101.txt", "102.txt", "103.txt"]


def test_verdicts_and_citations_are_scored(tmp_path):
    script = {
        ROWS[0]["question"]: {**answer(citations=[citation("101", 0, 10)]), "verdict": "yes"},
        ROWS[1]["question"]: {**answer(citations=[citation("103", 0, 10)]), "verdict": "yes"},
        ROWS[2]["question"]: {**answer(citations=[citation("103", 0, 10)]), "verdict": "unclear"},
    }
    result = pubmedqa.run(ScriptedEngine(script), ROWS, "validation", lambda pmid: pmid)
    scores = result.parts["validation"]
    assert scores["n"] == 3
    assert scores["accuracy"] == pytest.approx(2 / 3)  # "maybe" is right as "unclear"
    assert scores["decided_share"] == pytest.approx(2 / 3) and scores["decided_precision"] == pytest.approx(1 / 2)
    assert scores["right_abstract_cited"] == pytest.approx(2 / 3)
    assert [i.ok for i in result.items] == [True, False, True]


def test_a_bad_line_names_the_file_line_and_field(tmp_path):
    folder = tmp_path / "pubmedqa"
    folder.mkdir()
    bad = {**ROWS[0], "final_decision": "probably"}
    (folder / pubmedqa.FILE).write_text(json.dumps(ROWS[1]) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(BenchmarkDataError, match=r"questions-train.jsonl:2: field 'final_decision'"):
        pubmedqa.load_rows(tmp_path)
