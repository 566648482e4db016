"""Which arm a figure belongs to when one sentence reports several arms (qa/arms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from citeqa.ingest.pipeline import parse_text
from citeqa.qa.arms import value_arms
from citeqa.qa.lexicon import build_lexicon
from citeqa.qa.numbers import find_numbers
from citeqa.qa.question import analyse
from citeqa.qa.statements import sentence_facts
from citeqa.qa.vocabulary import load_vocabulary

TRIALS = load_vocabulary("clinical-trial")
EI_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "evidence-inference" / "corpus"

METHODS = ("Patients were randomized to metformin or liraglutide. The metformin group and the liraglutide group "
           "were followed for 24 weeks. Patients in the placebo group received tablets of the same look.")


def _arms(sentence: str, text: str = METHODS) -> dict[str, frozenset[str] | None]:
    doc = parse_text(f"{text}\n\n{sentence}", "d")
    lexicon = build_lexicon([doc], TRIALS)
    mentions = find_numbers(sentence, TRIALS)
    return {sentence[m.start : m.end]: arm for m, arm in zip(mentions, value_arms(sentence, mentions, lexicon, "d"),
                                                             strict=True)}


def test_respectively_gives_the_figures_to_the_arms_in_order():
    got = _arms("Weight fell by 6% and 1.3% with liraglutide and metformin, respectively.")
    assert got == {"6%": {"liraglutide"}, "1.3%": {"metformin"}}


def test_a_control_arm_takes_its_figure_without_an_entity():
    got = _arms("Nausea occurred in 10%, 12% and 15% of patients in placebo, metformin and liraglutide groups, respectively.")
    assert got == {"10%": frozenset(), "12%": {"metformin"}, "15%": {"liraglutide"}}


def test_an_arm_named_just_before_or_after_the_figure_owns_it():
    got = _arms("HbA1c fell by 1.1% in the liraglutide group as compared to metformin (0.6%).")
    assert got == {"1.1%": {"liraglutide"}, "0.6%": {"metformin"}}


def test_counts_that_disagree_leave_the_sentence_undecided():
    # three figures of one unit, two arms: "respectively" does not say which is whose
    got = _arms("Rates were 5%, 7% and 9% with liraglutide and metformin, respectively.")
    assert got["5%"] is None and got["7%"] is None


def test_a_sentence_about_one_arm_keeps_its_entities():
    got = _arms("With liraglutide, weight fell by 6% and HbA1c by 1.1%.")
    assert set(got.values()) == {None}


def test_arm_labels_count_only_in_the_document_that_defines_them():
    first = parse_text("Patients got metformin (Group A) or liraglutide (Group B).\n\n"
                       "Weight fell by 1.3% (Group A) and 6% (Group B).", "first")
    second = parse_text("Patients got sitagliptin (Group B) or glipizide (Group A).", "second")
    lexicon = build_lexicon([first, second], TRIALS)
    assert lexicon.arm_labels["first"]["group b"] == {"liraglutide"}
    assert lexicon.arm_labels["second"]["group b"] == {"sitagliptin"}
    facts = {f.text: f.entities for f in sentence_facts(first, lexicon) if f.value is not None}
    assert facts == {"1.3%": {"metformin"}, "6%": {"liraglutide"}}


@pytest.fixture(scope="module")
def spinal_report():
    path = EI_CORPUS / "PMC5735483.txt"
    if not path.exists():
        pytest.skip(f"needs ../shared/benchmarks (missing {path})")
    doc = parse_text(path.read_text(encoding="utf-8"), "pmc5735483")
    return doc, build_lexicon([doc], TRIALS)


def test_a_real_report_labels_its_arms_and_their_figures(spinal_report):
    doc, lexicon = spinal_report
    labels = lexicon.arm_labels["pmc5735483"]
    assert labels["group b"] == {"buprenorphine"} and labels["group d"] == {"dexmedetomidine"}
    assert labels["group c"] == set()  # the control arm: a label, no drug
    facts = [f for f in sentence_facts(doc, lexicon) if f.unit == "minutes"]
    regression = {f.value: f.entities for f in facts if "Time to S1 regression" in doc.text[f.quote_start : f.quote_end]}
    assert regression == {130.0: frozenset(), 144.0: {"buprenorphine"}, 164.0: {"dexmedetomidine"}}


def test_a_question_naming_an_arm_label_asks_about_its_drug(spinal_report):
    _, lexicon = spinal_report
    assert analyse("What was the time to complete motor recovery in Group B?", lexicon).entities == {"buprenorphine"}


def test_arms_a_report_compares_by_abbreviation_take_their_figures():
    text = ("Patients were assigned to insulin-sensitizing (IS) versus insulin-providing (IP) therapy.\n\n"
            "This is why the 4-year incidence of neuropathy was lower in the IS (66%) than in the IP (72%) strategy group.")
    doc = parse_text(text, "bari")
    lexicon = build_lexicon([doc], TRIALS)
    assert lexicon.arm_labels["bari"] == {"IS": {"insulinsensitizing"}, "IP": {"insulinproviding"}}
    facts = {f.text: f.entities for f in sentence_facts(doc, lexicon) if f.unit == "%"}
    assert facts["66%"] == {"insulinsensitizing"} and facts["72%"] == {"insulinproviding"}
    # only the abbreviation as defined is the label: the "is" of "This is" names no arm
    assert analyse("What was the incidence with the insulin-sensitizing strategy?", lexicon).entities == {
        "insulinsensitizing"}
    assert lexicon.entities_in("This is it", "bari") == set()


def test_a_real_report_answers_for_the_arm_asked_about(tmp_path, embedder):
    from helpers import engine_over

    path = EI_CORPUS / "PMC3781573.txt"
    if not path.exists():
        pytest.skip(f"needs ../shared/benchmarks (missing {path})")
    engine = engine_over(tmp_path, {"bari.txt": path.read_text(encoding="utf-8")}, embedder)
    answer = engine.ask("What was the 4-year cumulative incidence of neuropathy with the insulin-sensitizing strategy?")
    assert answer.value is not None and answer.value.number == 66.0  # the IP arm's is 72%


def test_a_count_broken_down_in_brackets_is_a_part_of_the_count():
    doc = parse_text(f"{METHODS}\n\nFocus groups were conducted with fifteen participants (men, n = 12) attending one of two "
                     "programmes. In all, 19 (n=15 DLBCL) patients were enrolled; 40 patients (n = 40) were dosed.", "d")
    facts = [(f.text, f.subset) for f in sentence_facts(doc, build_lexicon([doc], TRIALS)) if f.value is not None]
    assert facts == [("fifteen", False), ("12", True), ("two", False), ("19", False), ("15", True), ("40", False),
                     ("40", False)]  # an n that restates the count is no part of it
