"""The eval gate on the real engine: passes as shipped, fails when an answer regresses."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from citeqa.eval.cases import load_cases
from citeqa.eval.harness import review_suites
from citeqa.eval.results import DEFAULT_THRESHOLDS, check_thresholds, load_thresholds

pytestmark = pytest.mark.slow

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"


@pytest.fixture(scope="module")
def bundled(engine):
    return review_suites(engine, load_cases([QUESTIONS]))


def test_gate_passes_on_the_bundled_question_set(bundled):
    assert check_thresholds(bundled, load_thresholds(DEFAULT_THRESHOLDS)) == []


def test_gate_fails_when_an_answer_regresses(engine):
    """An engine whose answer to the key question drifts (34% → 43%) must fail the gate."""

    class Regressed:
        def ask(self, question: str):
            answer = engine.ask(question)
            if answer.value is not None and answer.value.number == 34:
                answer = replace(answer, value=replace(answer.value, number=43.0), answer=answer.answer.replace("34", "43"))
            return answer

    numeric = [c for c in load_cases([QUESTIONS]) if not c.is_open]
    violations = check_thresholds(review_suites(Regressed(), numeric), load_thresholds(DEFAULT_THRESHOLDS))
    assert any(v.startswith("review.main.grounding") for v in violations)


def test_gate_fails_when_open_answers_lose_their_citations(engine):
    """An engine that answers open questions without its citations fails the open suite's gate."""

    class Uncited:
        def ask(self, question: str):
            return replace(engine.ask(question), citations=[])

    cases = [c for c in load_cases([QUESTIONS]) if c.is_open]
    violations = check_thresholds(review_suites(Uncited(), cases), load_thresholds(DEFAULT_THRESHOLDS))
    assert any(v.startswith("review-open.main.answerable_accuracy") for v in violations)


def test_gate_fails_on_a_broken_expectation_in_a_copy(engine, tmp_path):
    """A temporary copy of the question file with one expected figure changed fails."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    broken = []
    changed = 0
    for line in lines:
        case = json.loads(line)
        if "open" in case.get("tags", []):
            continue
        if changed < 8 and "number" in case["expected"] and "holdout" not in case.get("tags", []):
            case["expected"]["number"] += 7
            changed += 1
        broken.append(json.dumps(case))
    copy = tmp_path / "questions.jsonl"
    copy.write_text("\n".join(broken) + "\n", encoding="utf-8")
    shutil.copy(DEFAULT_THRESHOLDS, tmp_path / "thresholds.toml")
    violations = check_thresholds(review_suites(engine, load_cases([copy])), load_thresholds(tmp_path / "thresholds.toml"))
    assert any(v.startswith("review.main.accuracy") for v in violations)
