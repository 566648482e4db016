"""Each expected shape scored right and wrong with tiny hand-made Answer dicts."""

from __future__ import annotations

import pytest

from citeqa.eval.cases import parse_case
from citeqa.eval.harness import EvalReport, check_thresholds, evaluate
from citeqa.eval.scoring import percentile, score_answer
from citeqa.qa.answer import Answer, AnswerCitation, CellRef, RetrievedPassage, Value


def case(expected, source=None, tags=None, cid="c1"):
    data = {"id": cid, "question": "q?", "expected": expected, "tags": tags or []}
    if source:
        data["source"] = source
    return parse_case(data)


def answer(text="", value=None, values=(), abstained=False, conflict=False, quotes=(), sections=(), passages=()):
    cits = [
        {"passage_id": f"p{i}", "doc_id": "review", "section": s, "page": None, "quote": q,
         "start": 0, "end": len(q), "references": [], "cell": None}
        for i, (q, s) in enumerate(zip(quotes, list(sections) + [None] * len(quotes)))
    ]
    return {
        "question": "q?", "answer": text, "value": value, "values": list(values), "abstained": abstained,
        "reason": "not found" if abstained else None, "conflict": conflict, "confidence": 0.5,
        "citations": cits,
        "passages": [{"passage_id": f"r{i}", "doc_id": d, "text": "", "score": 1.0, "kind": "text",
                      "section": s, "page": None, "start": 0, "end": 0, "references": refs}
                     for i, (d, s, refs) in enumerate(passages)],
    }


def v(number=None, unit=None, low=None, high=None):
    return {"number": number, "unit": unit, "low": low, "high": high}


def test_number_right_in_each_spelling():
    c = case({"number": 34, "unit": "%"})
    assert score_answer(c, answer("34%", v(34, "%"))).correct
    assert score_answer(c, answer("34 percent", v(34, "percent"))).correct
    assert score_answer(c, answer("0.34", v(0.34))).correct
    assert score_answer(c, answer("CR rate 34 percent")).correct  # falls back to the answer text


def test_number_wrong():
    c = case({"number": 34, "unit": "%"})
    assert not score_answer(c, answer("35%", v(35, "%"))).correct
    assert not score_answer(c, answer("34 months", v(34, "months"))).correct
    assert not score_answer(c, answer("", None, abstained=True)).correct
    # the headline value counts, not any number somewhere in the text
    assert not score_answer(c, answer("54% ORR, 34% CR", v(54, "%"))).correct


def test_number_tolerance():
    c = case({"number": 9.7, "unit": "months", "tolerance": 0.05})
    assert score_answer(c, answer("about 10 months", v(10, "months"))).correct
    assert not score_answer(case({"number": 9.7}), answer("10", v(10))).correct


def test_range_needs_both_ends():
    c = case({"low": 20, "high": 40, "unit": "%"})
    assert score_answer(c, answer("20%–40%", v(None, "%", 20, 40))).correct
    assert score_answer(c, answer("in 20%-40% of patients")).correct
    assert score_answer(c, answer("0.2-0.4", v(None, None, 0.2, 0.4))).correct
    assert not score_answer(c, answer("20%–50%", v(None, "%", 20, 50))).correct
    assert not score_answer(c, answer("20%", v(20, "%"))).correct


def test_any_of_credit():
    c = case({"any_of": [51, 52], "unit": "patients"})
    one = score_answer(c, answer("51 patients", v(51, "patients")))
    assert one.correct and one.credit == 0.5
    flagged = score_answer(c, answer("51 (text) or 52 (Table 2)", v(51), [v(51), v(52)], conflict=True))
    assert flagged.correct and flagged.credit == 1.0
    partial = score_answer(c, answer("51", v(51), conflict=True))
    assert partial.correct and partial.credit == 0.75
    wrong = score_answer(c, answer("155", v(155)))
    assert not wrong.correct and wrong.credit == 0.0


def test_any_of_with_text_option():
    c = case({"any_of": [4.4, "not reached"], "unit": "months"})
    assert score_answer(c, answer("Not reached")).correct
    assert score_answer(c, answer("4.4 months", v(4.4, "months"))).correct
    assert not score_answer(c, answer("11.5 months", v(11.5, "months"))).correct


def test_text_case():
    c = case({"text": "NCT04637763"})
    assert score_answer(c, answer("The ANTLER trial is NCT 04637763.")).correct
    assert not score_answer(c, answer("NCT05664217")).correct
    assert not score_answer(c, answer("NCT04637763", abstained=True)).correct


def test_abstain_case():
    c = case({"abstain": True})
    s = score_answer(c, answer("Not reported", abstained=True))
    assert s.correct and s.expect_abstain and s.grounded is None
    assert not score_answer(c, answer("63%", v(63, "%"), quotes=["63"])).correct


def test_grounding_checks_every_number_against_quotes():
    c = case({"number": 54, "unit": "%"})
    ok = score_answer(c, answer("ORR 54% (n = 61) [21], Table 2", v(54, "%"), quotes=["ORR, %\t54", "Sample size\t61"]))
    assert ok.grounded is True
    bad = score_answer(c, answer("ORR 54% in 62 patients", v(54, "%"), quotes=["54"]))
    assert bad.grounded is False and bad.ungrounded == [62.0]
    none = score_answer(c, answer("54%", v(54, "%")))
    assert none.grounded is False


def test_the_cited_sections_name_is_not_a_figure_of_the_answer():
    c = case({"text": "three or four"})
    shown = answer("Reported figure: Three or four (8. Quality of Care).", quotes=["Three or four nurses ran it."],
                   sections=["8. Quality of Care"])
    assert score_answer(c, shown).grounded is True
    elsewhere = answer("Reported figure: Three or four (8. Quality of Care).", quotes=["Three or four nurses ran it."],
                       sections=["2. Methods"])
    assert score_answer(c, elsewhere).ungrounded == [8.0]


def test_grounding_accepts_cell_text():
    a = answer("35%", v(35, "%"))
    a["citations"] = [{"passage_id": "p", "doc_id": "review", "section": "Table 2", "page": None, "quote": "CR, %",
                       "start": 0, "end": 5, "references": [],
                       "cell": {"table": "Table 2", "title": "t", "block": "Post-CAR T-cell cohort", "row": "CR, %",
                                "column": "Glofitamab", "text": "35", "start": 0, "end": 2}}]
    s = score_answer(case({"number": 35, "unit": "%"}, {"doc_id": "review", "section": "Table 2"}), a)
    assert s.grounded and s.citation_ok and s.cited_sections == ["review:Table 2"]


def test_citation_accuracy_section_and_reference():
    src = {"doc_id": "review", "section": "Table 2"}
    c = case({"number": 35, "unit": "%"}, src)
    assert score_answer(c, answer("35%", v(35, "%"), quotes=["35"], sections=["table 2"])).citation_ok
    assert score_answer(c, answer("35%", v(35, "%"), quotes=["35"], sections=["CLINICAL CASE"])).citation_ok is False
    ref = case({"text": "Thieblemont"}, {"doc_id": "review", "section": "References", "reference": 21})
    a = answer("Thieblemont C", quotes=["Epcoritamab ... therapy."], sections=["CLINICAL CASE"])
    a["citations"][0]["references"] = [{"number": 21, "text": "Thieblemont C, ..."}]
    assert score_answer(ref, a).citation_ok


def test_retrieval_rank():
    c = case({"number": 35, "unit": "%"}, {"doc_id": "review", "section": "Table 2"})
    a = answer("35%", v(35, "%"), passages=[("review", "Table 1", []), ("other", "Table 2", []), ("review", "Table 2", [])])
    assert score_answer(c, a).retrieval_rank == 3
    assert score_answer(c, answer("35%", v(35, "%"))).retrieval_rank == 0
    assert score_answer(case({"number": 1}), a).retrieval_rank is None


def test_no_answer_counts_as_wrong():
    s = score_answer(case({"abstain": True}), None)
    assert not s.correct and not s.abstained


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(list(range(1, 101)), 95) == 95


class FakeEngine:
    """Answers from a table of question -> Answer, raising for unknown questions."""

    def __init__(self, answers):
        self.answers = answers

    def ask(self, question):
        if question not in self.answers:
            raise RuntimeError("boom")
        return self.answers[question]


def _cases():
    return [
        parse_case({"id": "n", "question": "epcor CR after CAR T?", "expected": {"number": 34, "unit": "%"},
                    "source": {"doc_id": "review", "section": "Table 2"}}),
        parse_case({"id": "a", "question": "teclistamab ORR?", "expected": {"abstain": True}}),
        parse_case({"id": "h", "question": "glofit CR after CAR T?", "expected": {"number": 35, "unit": "%"},
                    "tags": ["holdout"]}),
        parse_case({"id": "e", "question": "unknown?", "expected": {"number": 1}}),
    ]


def _engine():
    cit = AnswerCitation("p1", "review", "Table 2", None, "34", 0, 2,
                         cell=CellRef("Table 2", "t", "Post-CAR T-cell cohort", "CR, %", "Epcoritamab", "34", 0, 2))
    passage = RetrievedPassage("p1", "review", "CR 34", 1.0, "table_row", "Table 2", None, 0, 5)
    return FakeEngine({
        "epcor CR after CAR T?": Answer("q", "34%", Value(34, "%"), citations=[cit], passages=[passage]),
        "teclistamab ORR?": Answer("q", "Not found in the corpus.", abstained=True, reason="no passage"),
        "glofit CR after CAR T?": Answer("q", "39%", Value(39, "%")),
    })


def test_evaluate_with_answer_objects_and_errors():
    report = evaluate(_engine(), _cases())
    main, holdout = report.parts["main"], report.parts["holdout"]
    assert main["n"] == 3 and holdout["n"] == 1
    assert main["errors"] == 1
    assert main["accuracy"] == pytest.approx(2 / 3)
    assert main["abstention_precision"] == 1.0 and main["abstention_recall"] == 1.0
    assert main["citation_accuracy"] == 1.0 and main["recall_at_5"] == 1.0 and main["mrr"] == 1.0
    assert main["grounding"] == 1.0
    assert holdout["accuracy"] == 0.0 and holdout["grounding"] == 0.0  # 39 without any quote
    assert {r.case.id for r in report.failures} == {"h", "e"}
    assert main["by_tag"] == {}
    assert main["latency_p95_ms"] is not None


def test_check_thresholds_reports_violations():
    report = evaluate(_engine(), _cases())
    assert check_thresholds(report, {"main": {"abstention_recall": 1.0, "errors": 1}}) == []
    violations = check_thresholds(report, {"main": {"accuracy": 0.9, "errors": 0}, "holdout": {"accuracy": 0.5}})
    assert violations == ["main.accuracy 0.667 < 0.900", "main.errors 1.000 > 0.000", "holdout.accuracy 0.000 < 0.500"]
    # unmeasurable metrics and absent parts are skipped
    assert check_thresholds(report, {"holdout": {"abstention_recall": 1.0}}) == []
    assert check_thresholds(EvalReport(results=[]), {"main": {"accuracy": 1.0}}) == []


def test_evaluate_records_violations():
    report = evaluate(_engine(), _cases(), thresholds={"main": {"accuracy": 0.99}})
    assert report.violations == ["main.accuracy 0.667 < 0.990"]


def test_table_passages_match_by_label_prefix_or_field():
    src = {"doc_id": "review", "section": "Table 2"}
    c = case({"number": 35, "unit": "%"}, src)
    row = ("review", "Main text", [])
    a = answer("35%", v(35, "%"), quotes=["Glofitamab: 35"], sections=["Main text"], passages=[row, row])
    a["passages"][0].update(kind="text", text="Glofitamab is a 2:1 ...")
    a["passages"][1].update(kind="table_row", text="Table 2. Emerging bispecific antibodies · Post-CAR T-cell cohort · CR, %")
    a["citations"][0]["passage_id"] = "r1"
    s = score_answer(c, a)
    assert s.retrieval_rank == 2
    assert s.citation_ok  # resolved through the cited passage
    assert s.cited_sections == ["review:Table 2"]
    a["passages"][1]["text"] = "Table 1. Targeted therapies"
    assert score_answer(c, a).retrieval_rank == 0
    a["passages"][0]["table"] = "Table 2"
    assert score_answer(c, a).retrieval_rank == 1


def test_source_with_alternative_sections():
    c = case({"number": 61}, {"doc_id": "review", "section": ["Table 2", "Main text"]})
    a = answer("61", v(61), quotes=["61 patients"], sections=["Main text"], passages=[("review", "Main text", [])])
    s = score_answer(c, a)
    assert s.citation_ok and s.retrieval_rank == 1
