"""Reading values the way trial reports write them (no model): effect sizes with their confidence
intervals, n/N (%), ranges, thousands separators, fold changes, p-values, doses and years."""

from __future__ import annotations

import pytest

from citeqa.qa.numbers import find_numbers, format_number
from citeqa.qa.vocabulary import load_vocabulary

VOCAB = load_vocabulary("clinical-trial")


def _one(text: str):
    found = find_numbers(text, VOCAB)
    assert len(found) == 1, [(text[m.start : m.end], m.value) for m in found]
    return found[0]


def test_hazard_ratio_with_its_confidence_interval():
    m = _one("HR 0.72 (95% CI, 0.60-0.86)")
    assert (m.value, m.ci_low, m.ci_high, m.unit) == (0.72, 0.60, 0.86, None)


def test_the_confidence_level_is_not_a_value():
    values = [m.value for m in find_numbers("odds ratio, 1.45; 95% confidence interval, 1.10 to 1.92; P=.03", VOCAB)]
    assert 95 not in values and values == [1.45, 0.03]


def test_mean_difference_with_negative_bounds_and_unit():
    m = _one("mean difference −2.3 mmHg (95% CI −3.1 to −1.5)")
    assert (m.value, m.unit, m.ci_low, m.ci_high) == (-2.3, "mmHg", -3.1, -1.5)


def test_n_over_n_with_percent_reads_the_count_and_the_rate():
    count, rate = find_numbers("45/120 (37.5%) patients responded", VOCAB)
    assert (count.value, count.of) == (45, 120)
    assert (rate.value, rate.unit) == (37.5, "%")


def test_x_of_y_is_one_count_with_its_denominator():
    m = _one("13 of 33 patients")
    assert (m.value, m.of, m.unit) == (13, 33, "count")


@pytest.mark.parametrize(("text", "bounds"), [
    ("ranging from 52% to 82%", (52, 82)), ("20%-40%", (20, 40)), ("1 to 3 prior lines", (1, 3)),
    ("0.60–0.86", (0.60, 0.86)),
])
def test_ranges(text, bounds):
    m = _one(text)
    assert (m.low, m.high) == bounds and m.value is None


def test_thousands_separators():
    m = _one("a total of 1,077 admissions")
    assert m.value == 1077 and format_number(m.value, "1,077") == "1,077"


def test_fold_changes():
    assert (_one("a 2.7-fold increase").value, _one("was 927-fold selective").unit) == (2.7, "fold")


def test_p_values_keep_their_operator():
    m = _one("p < 0.001")
    assert (m.value, m.unit, m.operator) == (0.001, "p", "<")
    assert _one("P = .04").value == 0.04


def test_a_mean_with_its_spread_takes_the_unit_after_the_spread():
    m = _one("Ki = 11.21 ± 0.74 nM")
    assert (m.value, m.spread, m.unit) == (11.21, 0.74, "nM")


def test_doses_and_years():
    assert (_one("10 mg/kg intravenously").unit, _one("approved in 2017").unit) == ("mg/kg", "year")


def test_names_phases_and_landmarks_are_not_values():
    text = "ZUMA-7, CD19, IgG4, a 2:1 format in a phase 1/2 study (NCT 04637763); 1-year OS was 59%"
    assert [m.value for m in find_numbers(text, VOCAB)] == [59]


def test_numbers_written_as_words_count_what_follows():
    found = find_numbers("Fifteen participants took part; VESPA has five major phases; one of the groups", VOCAB)
    assert [(m.value, m.worded) for m in found] == [(15, True), (5, True)]


def test_two_numbers_in_words_joined_by_or_are_a_range():
    text = "Three or four nurses ran each programme; five to six weeks later; one or two of them"
    found = [(m.value, m.low, m.high, text[m.start : m.end]) for m in find_numbers(text, VOCAB)]
    assert found[:2] == [(None, 3, 4, "Three or four"), (None, 5, 6, "five to six weeks")]
    assert [m.value for m in find_numbers("three patients or four", VOCAB)] == [3]  # "or four" counts nothing


def test_bracketed_citations_are_not_values():
    assert [m.value for m in find_numbers("as reported [32] and [12, 13], 41% responded", VOCAB)] == [41]
