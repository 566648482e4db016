"""Question kinds read from the question's grammar: advice, the case, questions the text asks itself."""

from __future__ import annotations

import pytest
from citeqa.qa.support import _ADVICE

from helpers import engine_over

pytestmark = pytest.mark.slow

REPORT = """Managing relapse after cell therapy: a case-based review

Clinical case

A 58-year-old woman relapsed three months after cell therapy. She received tafasitamab and lenalidomide.
Her disease progressed after two cycles, and she was then given polatuzumab with bendamustine.

Options after relapse

Can chemotherapy still control the disease after cell therapy? Chemotherapy after cell therapy has produced
short responses in most series. For patients relapsing after cell therapy, we recommend enrolment in a
clinical trial whenever one is available. Polatuzumab with bendamustine is a reasonable option when no trial
is available.
"""


@pytest.fixture(scope="module")
def report_engine(tmp_path_factory, embedder):
    return engine_over(tmp_path_factory.mktemp("kinds"), {"report.txt": REPORT}, embedder)


@pytest.mark.parametrize("question", [
    "What do the authors recommend for patients relapsing after cell therapy?",
    "What should be given after relapse on cell therapy?",  # the case's "relapsed … after cell therapy" is no advice
])
def test_a_recommendation_question_quotes_the_authors_advice_not_the_case(report_engine, question):
    answer = report_engine.ask(question)
    assert "we recommend enrolment in a clinical trial" in " ".join(answer.citations[0].quote.split())


def test_a_case_question_quotes_the_case(report_engine):
    answer = report_engine.ask("What did the patient in the case receive when she relapsed?")
    assert answer.citations[0].section == "Clinical case"


def test_a_question_the_text_asks_is_never_the_answer(report_engine):
    answer = report_engine.ask("Does chemotherapy still control the disease after cell therapy?")
    assert all(not c.quote.rstrip().endswith("?") for c in answer.citations)
    assert "short responses" in answer.citations[0].quote


def test_the_reviews_recommendation_answers_what_its_authors_recommend(engine):
    # the review's advice sentences rank below sentences sharing the question's words
    answer = engine.ask("What do the authors recommend after CAR T relapse?")
    assert not answer.abstained and _ADVICE.search(answer.citations[0].quote)
    assert answer.citations[0].section != "CLINICAL CASE (continued)"


def test_a_list_of_abbreviations_never_answers(engine):
    answer = engine.ask("chemo after car t - does it work?")
    assert not answer.abstained  # "chemo" is what the review writes as chemotherapy
    assert all("bendamustine-rituximab; pola" not in c.quote for c in answer.citations)


def test_a_choice_between_two_drugs_cites_each_and_gives_no_yes_or_no(engine):
    answer = engine.ask("Glofitamab or epcoritamab after CAR T?")
    assert answer.verdict is None and not answer.abstained
    first, second = answer.citations[:2]
    assert "Glofitamab" in first.quote and "Epcoritamab" not in first.quote
    assert "Epcoritamab" in second.quote and "Glofitamab" not in second.quote


@pytest.mark.parametrize(("question", "choice"), [
    ("Is selinexor or loncastuximab better after CAR T?", True),
    ("Should I give pola-BR or tafasitamab plus lenalidomide?", True),
    ("Must CD19 still be present for tafasitamab or lonca to work after CAR T?", False),  # about both, no choice
    ("Is tafasitamab or lonca approved for DLBCL?", False),
])
def test_a_question_offers_a_choice_only_when_it_weighs_its_alternatives(engine, question, choice):
    q = engine.analyse(question)
    assert bool(q.alternatives) is choice and q.yes_no is not choice


def test_a_study_aim_shows_the_topic_is_there_but_a_finding_answers(tmp_path, embedder):
    from pathlib import Path

    report = Path(__file__).resolve().parents[2] / "shared/benchmarks/evidence-inference/corpus/PMC5749033.txt"
    if not report.exists():
        pytest.skip(f"needs ../shared/benchmarks (missing {report})")
    engine = engine_over(tmp_path, {"hiit.txt": report.read_text(encoding="utf-8")}, embedder)
    answer = engine.ask("What was the effect of low-volume Wingate-based High Intensity Interval Training (HIIT "
                        "compared with control on maximum voluntary contraction (MVC)?")
    assert not answer.abstained  # the aim "… to determine whether … HIIT could alter … MVC" counts for the gate
    assert "MVC" in answer.citations[0].quote and "to determine whether" not in answer.citations[0].quote
