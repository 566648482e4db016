"""Training groups of the support model: which candidates hold the answer, on tiny known text."""

from __future__ import annotations

import numpy as np
from citeqa.eval.cases import parse_case
from citeqa.eval.splits import Part
from citeqa.index.testing import HashEmbedder
from citeqa.qa.support_model import Feature
from citeqa.train.support_data import (
    Ask,
    _case_holder,
    _key_holder,
    harvest,
    review_part,
)
from helpers import engine_over

REPORT = """Nerolimab for chronic plaque psoriasis

Results

At week 16, 71% of patients on nerolimab reached PASI 90 compared with 4% on placebo. \
Injection-site reactions were the most common adverse events. Nerolimab was given every 8 weeks.
"""


def _engine(tmp_path):
    return engine_over(tmp_path / "psoriasis", {"nerolimab.txt": REPORT}, HashEmbedder())


def test_a_figure_question_is_held_by_the_sentence_in_its_section_that_writes_the_figure(tmp_path):
    engine = _engine(tmp_path)
    case = parse_case({"id": "pasi", "question": "What share of patients on nerolimab reached PASI 90?",
                       "expected": {"number": 71, "unit": "%"}, "source": {"doc_id": "nerolimab", "section": "Results"}})
    [group] = harvest(engine, [Ask(case.id, "review", Part.train, case.question, _case_holder(case))])
    _, _, support = engine.read(case.question)
    ordered = sorted(support, key=lambda s: s.index)
    held = [s.unit.text for s, label in zip(ordered, group.labels, strict=True) if label]
    assert len(held) == 1 and held[0].startswith("At week 16, 71%")
    assert group.features.shape == (len(support), len(Feature))
    assert np.array_equal(group.features, np.round(group.features, 5))


def test_a_question_to_abstain_on_has_no_candidate_that_holds_it(tmp_path):
    case = parse_case({"id": "none", "question": "What did nerolimab cost?", "expected": {"abstain": True}})
    [group] = harvest(_engine(tmp_path), [Ask(case.id, "review", Part.train, case.question, _case_holder(case))])
    assert not group.labels.any() and len(group.labels) > 0


def test_a_litqa2_key_passage_holds_the_sentences_made_of_its_words(tmp_path):
    engine = _engine(tmp_path)
    holds = _key_holder("nerolimab", "Injection-site reactions were the most common adverse events of the drug.")
    units = {u.text[:9]: u for u in engine.store.units}
    chunk = engine.index.chunks[units["Injection"].row]
    assert holds(units["Injection"], chunk) and not holds(units["At week 1"], chunk)


def test_the_review_holdout_is_validation_and_a_fixed_quarter_of_main_is_dev():
    cases = [parse_case({"id": f"q{i}", "question": "How many?", "expected": {"number": 1}}) for i in range(200)]
    parts = [review_part(c) for c in cases]
    assert 30 < parts.count(Part.dev) < 70 and Part.validation not in parts
    held = parse_case({"id": "q0", "question": "How many?", "expected": {"number": 1}, "tags": ["holdout"]})
    assert review_part(held) is Part.validation


def test_a_figure_is_written_as_a_number_of_its_own_not_as_the_start_of_another():
    from citeqa.train.support_data import _writes

    assert _writes("the median was 17 months", 17.0) and _writes("a ratio of 17.0", 17.0)
    assert _writes("ORR 1,200 patients", 1200.0)
    assert not _writes("the median was 17.3 months", 17.0)  # "17" begins 17.3 and is not it
    assert not _writes("in 117 patients", 17.0) and not _writes("0.17", 17.0)
