"""Verdicts and directions from the shipped verdict model, through the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import engine_over

pytestmark = pytest.mark.slow
SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"

TRIAL = """Zelatrin for chronic cough: a randomised trial

Methods
We randomly assigned 240 adults with chronic cough to zelatrin 20 mg or placebo for 12 weeks. The primary
outcome was the daily cough count; secondary outcomes were quality of life and serious adverse events.

Results
Zelatrin significantly reduced the daily cough count compared with placebo (mean reduction 41% vs 12%, p<0.001).
Quality of life scores improved more with zelatrin than with placebo (p=0.002).
Serious adverse events did not differ significantly between zelatrin and placebo (4% vs 5%, p=0.71).
"""


@pytest.fixture(scope="module")
def trial_engine(tmp_path_factory, embedder):
    from citeqa.qa.verdict_model import shipped_model

    return engine_over(tmp_path_factory.mktemp("verdict"), {"zelatrin.txt": TRIAL}, embedder, verdicts=shipped_model)


@pytest.mark.parametrize(("outcome", "direction", "quoted"), [
    ("daily cough count", "decreased", "significantly reduced the daily cough count"),
    ("serious adverse events", "no_difference", "did not differ significantly"),
])
def test_a_comparison_gets_its_direction_with_the_deciding_sentence_cited(trial_engine, outcome, direction, quoted):
    answer = trial_engine.ask(f"What was the effect of zelatrin compared with placebo on {outcome}?")
    assert answer.direction == direction
    assert answer.verdict is None
    assert quoted in answer.citations[0].quote
    assert 0.5 <= answer.verdict_confidence <= 1.0


def test_a_yes_no_question_gets_a_verdict_cited(trial_engine):
    answer = trial_engine.ask("Does zelatrin reduce the daily cough count?")
    assert answer.verdict == "yes"
    assert answer.direction is None
    assert "zelatrin" in answer.citations[0].quote.lower()


def test_other_questions_get_no_verdict(trial_engine):
    answer = trial_engine.ask("How many adults were randomly assigned?")
    assert answer.verdict is None and answer.direction is None and answer.verdict_confidence is None


def test_a_yes_no_question_the_corpus_does_not_answer_is_unclear(trial_engine):
    answer = trial_engine.ask("Does zelatrin cure glioblastoma in children?")
    assert answer.abstained
    assert answer.verdict == "unclear"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/benchmarks is absent")
def test_direction_given_the_doctors_evidence_on_a_dev_slice():
    """A slice of the dev part (the full figure is `make bench-verdict`): the shipped model reads the
    direction of 60 doctor-marked evidence spans at 70% or better, above the majority class."""
    import random

    import numpy as np

    from citeqa.qa.verdict_model import LABELS, Task, shipped_model
    from citeqa.eval.splits import Part
    from citeqa.train.verdict_data import ei_examples

    examples = [e for e in ei_examples(SHARED / "evidence-inference", Part.dev, random.Random(0))
                if e.label != "unclear"][:60]
    model = shipped_model()
    right = 0
    for e in examples:
        probs = model.probabilities(Task.direction, e.question, [e.evidence])[0]
        right += LABELS[Task.direction][int(np.argmax(probs[:3]))] == e.label
    majority = max(sum(e.label == label for e in examples) for label in LABELS[Task.direction])
    assert right >= 0.7 * len(examples) and right > majority


def test_an_unreadable_verdict_model_leaves_answers_without_verdicts(tmp_path, embedder, caplog):
    from citeqa.qa.verdict_model import VerdictModel

    broken = tmp_path / "models"
    broken.mkdir()
    (broken / "verdict.json").write_text("{not json", encoding="utf-8")
    engine = engine_over(tmp_path / "e", {"zelatrin.txt": TRIAL}, embedder, verdicts=lambda: VerdictModel(broken))
    answer = engine.ask("Does zelatrin reduce the daily cough count?")
    assert not answer.abstained and answer.verdict is None
    assert "cannot read the verdict model" in caplog.text and str(broken) in caplog.text
    assert engine.ask("Does zelatrin reduce the daily cough count?").verdict is None  # off, not retried
