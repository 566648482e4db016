"""Reading quantities out of sentences and cells."""

from __future__ import annotations

from citeqa.qa.numbers import find_numbers
from citeqa.qa.vocabulary import load_vocabulary

VOCAB = load_vocabulary("oncology")


def _read(text: str) -> list[tuple[str, float | None, str | None, float | None, float | None]]:
    return [(text[m.start : m.end], m.value, m.unit, m.low, m.high) for m in find_numbers(text, VOCAB)]


def test_percent_months_and_counts():
    found = _read("The ORR was 54%, 34% achieved a CR, and the median duration of response was 9.7 months in 61 patients.")
    assert [(t, v, u) for t, v, u, _, _ in found] == [
        ("54%", 54, "%"), ("34%", 34, "%"), ("9.7 months", 9.7, "months"), ("61", 61, "count")]


def test_ranges_are_one_quantity():
    assert _read("ranging from 52% to 82%")[0][3:] == (52, 82)
    assert _read("cytopenia (observed in 20%-40% of patients)")[0][3:] == (20, 40)
    assert _read("had 1 to 3 prior lines")[0][3:] == (1, 3)


def test_names_ratios_phases_and_landmarks_are_not_values():
    text = "ZUMA-7, LOTIS-2, CD19, IgG4, a 2:1 CD20×CD3 format in a phase 1/2 study (NCT 04637763); 1-year OS was 59%"
    assert [t for t, *_ in _read(text)] == ["59%"]


def test_versus_pairs_share_the_unit_and_n_equals_is_a_count():
    found = _read("(PFS, 9.2 vs 3.7 months) and 36 (n = 42)")
    assert [(v, u) for _, v, u, _, _ in found] == [(9.2, "months"), (3.7, "months"), (36, None), (42, "count")]


def test_hyphenated_units_and_days():
    assert _read("an estimated 4.4-month duration")[0][1:3] == (4.4, "months")
    assert _read("A 67-year-old woman")[0][1:3] == (67, "years-old")
    assert _read("no toxicity at day 30")[0][1:3] == (30, "days")
