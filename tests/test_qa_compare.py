"""Superlatives, comparisons and per-entity lists over the review's Table 2 (real data, real engine)."""

from __future__ import annotations

import pytest

from citeqa.qa.question import Extreme, _extreme


@pytest.mark.parametrize(("question", "expected"), [
    ("Which bispecific had the highest CR rate?", Extreme.highest),
    ("Which had the longer PFS, glofitamab or epcoritamab?", Extreme.highest),
    ("What was the lowest response rate?", Extreme.lowest),
    ("Which drug did best after CAR T?", Extreme.best),
    ("Which regimen did worst?", Extreme.worst),
    ("Which trials enrolled more than 50 patients?", None),  # a threshold, not a comparison
    ("What is the most common toxicity?", None),  # frequency of a kind, not a figure to compare
    ("Is glofitamab better than epcoritamab?", None),  # a yes/no question
    ("How long did responses last?", None),
    ("In the smaller radiotherapy series, what response rate was seen?", None),  # "smaller" qualifies the series
    ("Which trial had the most patients?", Extreme.highest),
])
def test_which_end_a_question_asks_for(question, expected):
    from citeqa.qa.vocabulary import load_vocabulary

    measures = [start for _, start, _ in load_vocabulary("oncology").find_measures(question)]
    assert _extreme(question, question.startswith("Is "), measures) is expected


@pytest.mark.slow
def test_the_highest_figure_wins_and_every_compared_cell_is_cited(engine):
    answer = engine.ask("Which bispecific antibody had the highest CR rate after CAR T?")
    assert answer.answer.startswith("Glofitamab")
    assert [(r.entity, r.value.number) for r in answer.ranking] == [
        ("Glofitamab", 35), ("Epcoritamab", 34), ("Mosunetuzumab", 26), ("Odronebamab", 24)]
    assert [answer.citations[r.citation].cell.text for r in answer.ranking] == ["35", "34", "26", "24"]
    assert "separate studies" in answer.answer


@pytest.mark.slow
def test_two_named_entities_are_compared_alone(engine):
    answer = engine.ask("Which had the longer median PFS, glofitamab or epcoritamab?")
    assert answer.answer.startswith("Glofitamab")
    assert [(r.entity.lower(), r.value.number) for r in answer.ranking] == [("glofitamab", 4.9), ("epcoritamab", 4.4)]


@pytest.mark.slow
def test_a_figure_for_another_population_is_not_compared(engine):
    # Odronebamab's overall-cohort ORR (39*) is footnoted as patients without prior CAR T: not like with like.
    answer = engine.ask("Which bispecific had the lowest ORR in the overall cohort?")
    assert answer.answer.startswith("Mosunetuzumab")
    assert "Odronebamab" not in {r.entity for r in answer.ranking}


@pytest.mark.slow
def test_a_question_naming_no_entity_lists_each_entitys_figure(engine):
    answer = engine.ask("What was the CR rate after CAR T failure?")
    assert not answer.abstained and answer.value is None
    assert {(r.entity, r.value.number) for r in answer.ranking} >= {("Epcoritamab", 34), ("Glofitamab", 35)}
    for r in answer.ranking:
        assert answer.citations[r.citation].quote in engine.index.documents["review"].text
