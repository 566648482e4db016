"""Text, Markdown, JUnit and JSON renderings of an eval report are well formed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from citeqa.eval.cases import parse_case
from citeqa.eval.harness import evaluate, run_cli
from citeqa.eval.report import to_json, to_junit, to_markdown, to_text
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
]


def report():
    return evaluate(Fake(), CASES, thresholds={"main": {"accuracy": 0.9}})


def test_text_has_failures_and_summary():
    text = to_text(report())
    assert "FAILURES (2)" in text and "wrong|pipe" in text and "err (holdout)" in text
    assert "SUMMARY" in text and "main" in text and "holdout" in text
    assert "main.accuracy 0.667 < 0.900" in text
    assert "ok " not in text.split("SUMMARY")[0]


def test_markdown_tables_are_well_formed():
    md = to_markdown(report())
    assert md.startswith("# citeqa evaluation")
    lines = md.splitlines()
    header = lines.index("| metric | main | holdout |")
    assert lines[header + 1] == "|---|---:|---:|"
    for line in lines:
        if line.startswith("|"):
            cells = line.replace("\\|", "").count("|")
            assert cells in (4, 6), line  # 3-column summary/tag tables, 5-column failures table
    assert "wrong\\|pipe" in md and "wrong \\| with pipe?" in md
    assert "`main.accuracy 0.667 < 0.900`" in md


def test_junit_parses_and_counts():
    root = ET.fromstring(to_junit(report()))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"citeqa.eval.main", "citeqa.eval.holdout"}
    main = suites["citeqa.eval.main"]
    assert main.get("tests") == "3" and main.get("failures") == "1"
    cases = {tc.get("name"): tc for tc in root.iter("testcase")}
    assert cases["ok"].find("failure") is None
    assert "expected 35%" in cases["wrong|pipe"].find("failure").get("message")
    assert "<here>" in cases["err"].find("error").get("message")
    float(cases["ok"].get("time"))


def test_json_round_trips():
    data = json.loads(to_json(report()))
    assert data["violations"] == ["main.accuracy 0.667 < 0.900"]
    assert data["parts"]["main"]["n"] == 3
    assert [c["id"] for c in data["cases"]] == [c.id for c in CASES]
    assert data["cases"][3]["error"].startswith("ValueError")


def test_run_cli_writes_files_and_sets_exit_status(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(d) for d in [
        {"id": "ok", "question": "right?", "expected": {"number": 34, "unit": "%"}},
        {"id": "bad", "question": "wrong?", "expected": {"number": 35, "unit": "%"}},
    ]) + "\n")
    strict = tmp_path / "strict.toml"
    strict.write_text("[main]\naccuracy = 0.9\n")
    lax = tmp_path / "lax.toml"
    lax.write_text("[main]\naccuracy = 0.5\n")
    md, xml = tmp_path / "r.md", tmp_path / "r.xml"
    text, status = run_cli(Fake(), [questions], report_path=md, junit_path=xml, thresholds_path=strict)
    assert status == 1 and "THRESHOLDS VIOLATED" in text
    assert md.read_text().startswith("# citeqa evaluation")
    ET.parse(xml)
    text, status = run_cli(Fake(), [questions], as_json=True, thresholds_path=lax)
    assert status == 0 and json.loads(text)["violations"] == []
