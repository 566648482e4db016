"""The answer layer's decision rules on tiny documents (no model: a hashing embedder).

Never a figure for another entity or measure, a count is no rival for a rate, both values when
equally specific sources disagree, abstain with a reason, figures checked against their quotes.
"""

from __future__ import annotations

import logging

import pytest
from helpers import engine_over

from citeqa.index.testing import HashEmbedder
from citeqa.qa import compose, engine as engine_module
from citeqa.qa.facts import Kind

TRIAL = """Klaxomab in relapsed lymphoma

Results

Klaxomab achieved a complete response rate of 55% in 3 of 4 cohorts among 120 patients. \
Zetamab was well tolerated but produced no complete responses in the small pilot.

Table 1. Outcomes

Outcome\tKlaxomab
CR, %\t55
Patients, n\t120
"""

SECOND = """Klaxomab, a second report

Results

In a second cohort, klaxomab achieved a complete response rate of 61% among 40 patients.
"""


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    return engine_over(tmp_path_factory.mktemp("klax"), {"klax.txt": TRIAL}, HashEmbedder(), "oncology")


def test_a_count_in_the_same_sentence_is_no_rival_for_a_rate(trial):
    """Issue 9, item 5: "55% in 3 of 4 cohorts among 120 patients" answers 55%, without a conflict."""
    answer = trial.ask("What complete response rate did klaxomab achieve?")
    assert not answer.conflict and not answer.abstained, answer.answer
    assert answer.value.number == 55 and answer.value.unit == "%"
    assert all(v.number == 55 for v in answer.values)


def test_the_count_answers_how_many(trial):
    answer = trial.ask("How many patients received klaxomab?")
    assert answer.value.number == 120 and not answer.conflict


def test_no_figure_for_another_entity(trial):
    answer = trial.ask("What complete response rate did zetamab achieve?")
    assert answer.abstained and answer.value is None
    assert trial.ask("What is the complete response rate of unicornumab?").reason.startswith("not in the corpus")


def test_equally_specific_sources_that_disagree_show_both(tmp_path):
    both = engine_over(tmp_path, {"a.txt": SECOND.replace("61%", "55%").replace("second", "first"),
                                  "b.txt": SECOND}, HashEmbedder(), "oncology")
    answer = both.ask("What complete response rate did klaxomab achieve?")
    assert answer.conflict
    assert {v.number for v in answer.values} == {55, 61}
    assert {c.doc_id for c in answer.citations} == {"a", "b"}


def test_an_ungrounded_candidate_is_replaced_not_masked(trial, monkeypatch, caplog):
    """A candidate whose figure, as written in the answer, stands in no quote is dropped: the engine
    answers with the next candidate (here the sentence, when the table cell it prefers is garbled)
    instead of showing a wrong or masked figure. That is a normal decision, logged at DEBUG only."""
    real = compose.value_text

    def garbled(fact, vocab):
        return "56%" if fact.kind is Kind.cell and fact.value == 55 else real(fact, vocab)

    assert trial.ask("What complete response rate did klaxomab achieve?").citations[0].cell is not None
    monkeypatch.setattr(compose, "value_text", garbled)
    monkeypatch.setattr(engine_module, "value_text", garbled)
    with caplog.at_level(logging.DEBUG, logger=engine_module.__name__):
        answer = trial.ask("What complete response rate did klaxomab achieve?")
    assert "56" not in answer.answer and "?" not in answer.answer
    assert answer.value.number == 55 and answer.citations[0].cell is None
    tried = [r for r in caplog.records if "trying another candidate" in r.getMessage()]
    assert tried and all(r.levelno == logging.DEBUG for r in tried)


def test_with_no_grounded_candidate_the_engine_abstains(trial, monkeypatch):
    monkeypatch.setattr(compose, "value_text", lambda fact, vocab: "99%")
    monkeypatch.setattr(engine_module, "value_text", lambda fact, vocab: "99%")
    answer = trial.ask("What complete response rate did klaxomab achieve?")
    assert answer.abstained and "verbatim" in answer.reason and "99" not in answer.answer


def test_multiple_choice_picks_the_option_a_quote_states(trial):
    answer = trial.ask("What complete response rate did klaxomab achieve?", options=["34%", "55%", "61%"])
    assert answer.choice == "55%" and not answer.abstained
    assert "55" in answer.citations[0].quote


def test_multiple_choice_abstains_when_no_quote_states_an_option(trial):
    answer = trial.ask("What complete response rate did klaxomab achieve?", options=["12%", "18%"])
    assert answer.choice is None and answer.abstained and answer.reason == "insufficient information"


FIELD = """Outcomes after CAR T-cell failure

Background

Patients who progress after CAR T-cell therapy are a growing group with few options.

Chemotherapy

The klaxomab arm resulted in a significant improvement in overall survival (OS, 12.4 vs 4.7 months).
"""


def test_a_trials_figure_without_the_population_asked_is_no_answer(tmp_path):
    """A named drug's survival from a trial that never says it enrolled the population asked for
    (here: after CAR T) does not answer a question about that population; the engine abstains."""
    engine = engine_over(tmp_path / "field", {"field.txt": FIELD}, HashEmbedder(), "oncology")
    answer = engine.ask("What overall survival did the arm reach after CAR T?")
    assert answer.abstained and answer.value is None, answer.answer
    # The same figure still answers when the question asks about the drug it belongs to.
    assert engine.ask("What overall survival did the klaxomab arm reach?").value.number == 12.4


def test_the_section_an_answer_names_is_not_one_of_its_figures():
    from citeqa.qa.answer import AnswerCitation

    cited = [AnswerCitation(passage_id="p", doc_id="d", section="8. Quality of Care", page=None,
                            quote="Three or four nurses ran each programme.", start=0, end=40)]
    assert compose.ungrounded("Reported figure: Three or four (8. Quality of Care).", cited) == []
    assert compose.ungrounded("Reported figure: 8 nurses (8. Quality of Care).", cited) == ["8"]
