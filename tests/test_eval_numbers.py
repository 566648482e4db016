"""Number, unit and text normalisation used by the eval scorer."""

from __future__ import annotations

from citeqa.eval.numbers import (
    Quantity,
    normalise_text,
    normalise_unit,
    numbers_in,
    parse_quantities,
    same_value,
    text_contains,
)


def test_percent_spellings_parse_to_one_value():
    assert parse_quantities("34%") == [Quantity(34.0, "%")]
    assert parse_quantities("34 percent") == [Quantity(34.0, "%")]
    assert parse_quantities("34 per cent") == [Quantity(34.0, "%")]
    assert parse_quantities("CR 34 %") == [Quantity(34.0, "%")]


def test_fraction_equals_percent_only_when_unit_is_percent():
    assert same_value(34, 0.34, unit="%")
    assert same_value(34, 34, unit="%", got_unit="percent")
    assert same_value(34, 34, unit="%")
    assert not same_value(34, 0.34, unit="%", got_unit="%")  # 0.34% is not 34%
    assert not same_value(34, 0.34, unit="months")
    assert not same_value(34, 0.34)


def test_units_must_agree_when_both_known():
    assert same_value(9.2, 9.2, unit="months", got_unit="mo")
    assert not same_value(9.2, 9.2, unit="months", got_unit="%")
    assert same_value(9.2, 9.2, unit="months", got_unit="weird-unit")
    assert normalise_unit("Percent") == "%"
    assert normalise_unit("mos") == "months"
    assert normalise_unit(None) is None


def test_tolerance_is_relative():
    assert same_value(100, 100.00001)
    assert not same_value(100, 100.01)
    assert same_value(100, 101, tolerance=0.02)


def test_ranges_with_hyphen_en_dash_and_to():
    expected = [Quantity(None, "%", 20.0, 40.0)]
    assert parse_quantities("20%-40%") == expected
    assert parse_quantities("20%–40%") == expected
    assert parse_quantities("20% to 40%") == expected
    assert parse_quantities("20-40%") == expected
    assert parse_quantities("ranging from 52% to 82%") == [Quantity(None, "%", 52.0, 82.0)]


def test_two_numbers_are_not_a_range():
    assert parse_quantities("ORR 36% vs 17%") == [Quantity(36.0, "%"), Quantity(17.0, "%")]
    assert parse_quantities("46 (75%)") == [Quantity(46.0), Quantity(75.0, "%")]


def test_units_after_numbers():
    assert parse_quantities("9.7 months") == [Quantity(9.7, "months")]
    assert parse_quantities("a 4.4-month duration") == [Quantity(4.4, "months")]
    assert parse_quantities("6 cm") == [Quantity(6.0, "cm")]


def test_labels_references_and_names_are_not_figures():
    assert numbers_in("ORR 48% (Table 1, ref 16)") == [48.0]
    assert numbers_in("CR 34% [21]") == [34.0]
    assert numbers_in("see refs 20, 21 and Figure 1") == []
    assert numbers_in("CD19 and CD20×CD3, LOTIS-2, ZUMA-7, IgG4, ALLO-501A, NCT05664217") == []
    assert numbers_in("superscript markers¹⁻³ are ignored: 52%") == [52.0]
    assert numbers_in("poor outcomes.^{10,11} ORR 28%²¹") == [28.0]


def test_text_normalisation():
    assert normalise_text("NCT 04637763") == normalise_text("NCT04637763")
    assert text_contains("Thiéblemont C et al. J. Clin. Oncol. 2023", "J Clin Oncol")
    assert text_contains("Median OS: Not reached", "not reached")
    assert text_contains("a 2:1 CD20×CD3 antibody", "2:1")
    assert not text_contains("ref 21", "2:1")
    assert not text_contains("anything", "")
