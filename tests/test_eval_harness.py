"""The bundled questions and thresholds work as a gate: a perfect fake passes, a broken one fails."""

from __future__ import annotations

from citeqa.eval.cases import Case, load_cases
from citeqa.eval.harness import evaluate, review_suites
from citeqa.eval.results import check_thresholds, load_thresholds


def oracle_answer(case: Case) -> dict:
    """A well-formed, grounded, correctly cited answer built from the case's expectation."""
    e, src = case.expected, case.source
    passages = []
    if src is not None:
        passages.append({"passage_id": "p1", "doc_id": src.doc_id, "text": "", "score": 1.0, "kind": "text",
                         "section": src.section, "page": None, "start": 0, "end": 0,
                         "references": [src.reference] if src.reference else []})

    def cited(text: str) -> list[dict]:
        return [{"passage_id": "p1", "doc_id": src.doc_id if src else "review", "section": src.section if src else None,
                 "page": None, "quote": text, "start": 0, "end": len(text), "references": [], "cell": None}]

    base = {"question": case.question, "abstained": False, "reason": None, "conflict": False, "confidence": 1.0,
            "value": None, "values": [], "passages": passages}
    unit = e.get("unit")
    if case.kind == "abstain":
        return base | {"answer": "Not reported in the corpus.", "abstained": True, "reason": "not found", "citations": []}
    if case.kind == "number":
        text = f"{e['number']:g} {unit or ''}".strip()
        return base | {"answer": text, "value": {"number": e["number"], "unit": unit, "low": None, "high": None},
                       "citations": cited(text)}
    if case.kind == "range":
        text = f"{e['low']:g}–{e['high']:g} {unit or ''}".strip()
        return base | {"answer": text, "value": {"number": None, "unit": unit, "low": e["low"], "high": e["high"]},
                       "citations": cited(text)}
    if case.kind == "text":
        return base | {"answer": e["text"], "citations": cited(e["text"])}
    if case.kind == "sentences":
        first = e["sentences"][0]
        citation = cited(first["text"])[0] | {"start": first["start"], "end": first["end"]}
        passage = passages[0] | {"start": first["start"], "end": first["end"]}
        return base | {"answer": first["text"], "citations": [citation], "passages": [passage]}
    text = " vs ".join(str(o) for o in e["any_of"])
    values = [{"number": o, "unit": unit, "low": None, "high": None} for o in e["any_of"] if not isinstance(o, str)]
    return base | {"answer": text, "conflict": True, "value": values[0] if values else None, "values": values,
                   "citations": cited(text)}


class Oracle:
    def __init__(self, cases: list[Case], broken: set[str] = frozenset()):
        self.cases = {c.question: c for c in cases}
        self.broken = broken

    def ask(self, question: str) -> dict:
        case = self.cases[question]
        answer = oracle_answer(case)
        if case.id in self.broken:  # a wrong figure that no quote supports
            answer |= {"answer": "999", "abstained": False,
                       "value": {"number": 999, "unit": None, "low": None, "high": None}}
        return answer


def test_oracle_meets_bundled_thresholds():
    cases = load_cases()
    suites = review_suites(Oracle(cases), cases)
    assert [s.suite for s in suites] == ["review", "review-open"]
    for suite in suites:
        for part in ("main", "holdout"):
            scores = suite.parts[part]
            assert scores["accuracy"] == 1.0 and scores["grounding"] == 1.0, (suite.suite, part)
            assert scores["recall_at_5"] == 1.0 and scores["mrr"] == 1.0, (suite.suite, part)
            assert scores["citation_accuracy"] in (1.0, None), (suite.suite, part)
        assert all(item.ok for item in suite.items), suite.suite
    assert check_thresholds(suites, load_thresholds()) == []


def test_one_broken_answer_fails_the_gate():
    cases = load_cases()
    broken = next(c.id for c in cases if c.kind == "number" and not c.holdout)
    report = evaluate(Oracle(cases, {broken}), [c for c in cases if not c.is_open])
    assert [r.case.id for r in report.failures] == [broken]
    violations = check_thresholds(review_suites(Oracle(cases, {broken}), cases), load_thresholds())
    assert "review.main.grounding 0.994 < 1.000" in violations
