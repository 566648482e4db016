"""The eval gate on the real engine: passes as shipped, fails when an answer regresses."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from citeqa.eval.cases import load_cases
from citeqa.eval.harness import DEFAULT_THRESHOLDS, check_thresholds, evaluate, load_thresholds

pytestmark = pytest.mark.slow

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"


def test_gate_passes_on_the_bundled_question_set(engine):
    report = evaluate(engine, load_cases([QUESTIONS]))
    assert check_thresholds(report, load_thresholds(DEFAULT_THRESHOLDS)) == []


def test_gate_fails_when_an_answer_regresses(engine):
    """An engine whose answer to the key question drifts (34% → 43%) must fail the gate."""

    class Regressed:
        def ask(self, question: str):
            answer = engine.ask(question)
            if answer.value is not None and answer.value.number == 34:
                answer = replace(answer, value=replace(answer.value, number=43.0), answer=answer.answer.replace("34", "43"))
            return answer

    report = evaluate(Regressed(), load_cases([QUESTIONS]))
    violations = check_thresholds(report, load_thresholds(DEFAULT_THRESHOLDS))
    assert any(v.startswith("main.grounding") for v in violations)


def test_gate_fails_on_a_broken_expectation_in_a_copy(engine, tmp_path):
    """A temporary copy of the question file with one expected figure changed fails."""
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    broken = []
    changed = 0
    for line in lines:
        case = json.loads(line)
        if changed < 8 and "number" in case["expected"] and "holdout" not in case.get("tags", []):
            case["expected"]["number"] += 7
            changed += 1
        broken.append(json.dumps(case))
    copy = tmp_path / "questions.jsonl"
    copy.write_text("\n".join(broken) + "\n", encoding="utf-8")
    shutil.copy(DEFAULT_THRESHOLDS, tmp_path / "thresholds.toml")
    report = evaluate(engine, load_cases([copy]))
    violations = check_thresholds(report, load_thresholds(tmp_path / "thresholds.toml"))
    assert any(v.startswith("main.accuracy") for v in violations)
