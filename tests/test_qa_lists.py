"""List questions: every named thing of the kind asked for, each cited (qa/lists.py)."""

from __future__ import annotations

import re

import pytest
from citeqa.qa.lists import list_kind
from citeqa.qa.vocabulary import load_vocabulary

ONCOLOGY = load_vocabulary("oncology")


@pytest.mark.parametrize(("question", "noun", "qualifiers"), [
    ("Which bispecific antibodies are options after CAR T?", "antibodies", {"bispecif"}),
    ("List the trials that compared CAR T with standard care", "trials", set()),
    ("what are the treatment options after CAR T failure", "options", {"treatment"}),
    ("Name all CD19-directed therapies", "therapies", {"cd19", "direct"}),
])
def test_a_list_question_says_what_kind_of_thing_it_lists(question, noun, qualifiers):
    kind = list_kind(question, ONCOLOGY)
    assert kind is not None and kind.noun == noun and kind.qualifiers == qualifiers
    assert kind.trials == (noun == "trials")


@pytest.mark.parametrize("question", [
    "Which patients took part in ZUMA-7?",  # patients are no kind of named thing
    "What is the CR rate of glofitamab?",
    "Which bispecific did best after CAR T?",
    "Are there trials recruiting after CAR T?",
])
def test_other_questions_ask_for_no_list(question):
    assert list_kind(question, ONCOLOGY) is None


def _items(answer) -> list[tuple[str, int]]:
    return [(name.strip(), int(n)) for name, n in re.findall(r"([^,:]+?) \[(\d+)\]", answer.answer.split(": ", 1)[1])]


def test_every_bispecific_antibody_the_review_discusses_is_listed_and_cited(engine):
    answer = engine.ask("Which bispecific antibodies are discussed for patients after CAR T failure?")
    items = _items(answer)
    assert {name.lower() for name, _ in items} == {"epcoritamab", "glofitamab", "mosunetuzumab", "odronektamab"}
    for name, n in items:
        assert name in answer.citations[n - 1].quote  # each item is written in the quote that cites it


def test_trials_are_listed_one_table_row_each_with_the_registry_number(engine):
    answer = engine.ask("Which trials are recruiting after CAR T?")
    items = _items(answer)
    assert len(items) >= 5
    assert any("ALPHA2" in name and "NCT04416984" in name for name, _ in items)
    for name, n in items:
        quote = answer.citations[n - 1].quote
        assert all(part in quote for part in name.split(" / "))
        assert answer.citations[n - 1].section == "Table 3"


def test_a_list_qualified_by_a_word_keeps_only_what_is_written_with_it(engine):
    answer = engine.ask("Which CD19-directed therapies are options after CAR T?")
    names = {name.lower() for name, _ in _items(answer)}
    assert {"tafasitamab", "loncastuximab"} <= names
    assert not names & {"epcoritamab", "glofitamab", "alpha2"}
