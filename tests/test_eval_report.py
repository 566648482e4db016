"""Text, Markdown, JUnit and JSON renderings of an eval run are well formed; the CLI's exit status follows the gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from citeqa.eval.cases import parse_case
from citeqa.eval.harness import review_suites
from citeqa.eval.report import table_rows, to_json, to_junit, to_markdown, to_text
from citeqa.eval.results import Anchor, EvalRun, SuiteResult, check_thresholds
from citeqa.qa.answer import Answer, AnswerCitation, Value


class Fake:
    def ask(self, question):
        if question.startswith("boom"):
            raise ValueError("engine broke <here> & there")
        if question.startswith("abstain"):
            return Answer(question, "Not found.", abstained=True, reason="nothing")
        cit = AnswerCitation("p", "review", "Table 2", None, "CR, % | 34", 0, 10)
        return Answer(question, "34% | CR", Value(34, "%"), citations=[cit])


CASES = [
    parse_case({"id": "ok", "question": "right?", "expected": {"number": 34, "unit": "%"}, "tags": ["table2"],
                "source": {"doc_id": "review", "section": "Table 2"}}),
    parse_case({"id": "wrong|pipe", "question": "wrong | with pipe?", "expected": {"number": 35, "unit": "%"}}),
    parse_case({"id": "abs", "question": "abstain please", "expected": {"abstain": True}, "tags": ["abstain"]}),
    parse_case({"id": "err", "question": "boom", "expected": {"text": "x"}, "tags": ["holdout"]}),
    parse_case({"id": "hold", "question": "right again?", "expected": {"number": 34, "unit": "%"}, "tags": ["holdout"]}),
    parse_case({"id": "open1", "question": "what cites 0-10?", "tags": ["open"], "source": {"doc_id": "review"},
                "expected": {"sentences": [{"start": 0, "end": 10, "text": "0123456789"}]}}),
]
ANCHORS = [Anchor("review", "accuracy", anchor=0.5, source="someone 2024", target=0.97)]


def run() -> EvalRun:
    suites = review_suites(Fake(), CASES)
    ei = SuiteResult("evidence-inference", "evidence-inference (validation)",
                     {"validation": {"n": 2, "evidence_at_5": 0.5}}, metrics=("n", "evidence_at_5"))
    suites.append(ei)
    return EvalRun(suites, check_thresholds(suites, {"review": {"main": {"accuracy": 0.9}}}))


def test_one_table_with_parts_anchor_and_target():
    rows = table_rows(run(), ANCHORS)
    accuracy = next(r for r in rows if r[0] == "review, numeric" and r[1] == "accuracy")
    assert accuracy[2:] == ("66.7%", "50.0%", "50.0%", "≥ 97.0%")
    open_accuracy = next(r for r in rows if r[0] == "review, open" and r[1] == "accuracy")
    assert open_accuracy[2:4] == ("100.0%", "")  # no holdout part: blank, not n/a
    assert ("evidence-inference (validation)", "evidence in top 5", "50.0%", "", "", "") in rows


def test_text_has_table_failures_and_verdict():
    text = to_text(run(), ANCHORS)
    assert text.splitlines()[0].split() == ["suite", "metric", "main", "holdout", "anchor", "target"]
    assert "FAILURES review, numeric (2 of 5)" in text and "wrong|pipe" in text and "err (holdout)" in text
    assert "anchors: review: someone 2024" in text
    assert "review.main.accuracy 0.667 < 0.900" in text and "THRESHOLDS VIOLATED" in text


def test_markdown_tables_are_well_formed():
    md = to_markdown(run(), ANCHORS)
    assert md.startswith("# citeqa evaluation")
    for line in md.splitlines():
        if line.startswith("|"):
            cells = line.replace("\\|", "").count("|")
            assert cells in (7, 5), line  # 6-column summary table, 4-column failure tables
    assert "wrong\\|pipe" in md and "wrong \\| with pipe?" in md
    assert "`review.main.accuracy 0.667 < 0.900`" in md


def test_junit_parses_and_counts():
    root = ET.fromstring(to_junit(run()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"citeqa.eval.review.main", "citeqa.eval.review.holdout", "citeqa.eval.review-open.main",
                           "citeqa.eval.evidence-inference.validation"}
    cases = {tc.get("name"): tc for tc in root.iter("testcase")}
    assert cases["ok"].find("failure") is None
    assert "expected 35%" in cases["wrong|pipe"].find("failure").get("message")
    assert "<here>" in cases["err"].find("error").get("message")
    float(cases["ok"].get("time"))


def test_json_round_trips():
    data = json.loads(to_json(run()))
    assert data["violations"] == ["review.main.accuracy 0.667 < 0.900"]
    review = data["suites"][0]
    assert review["parts"]["main"]["n"] == 3
    assert [i["id"] for i in review["items"]] == [c.id for c in CASES if c.id != "open1"]
    assert next(i for i in review["items"] if i["id"] == "err")["error"].startswith("ValueError")
