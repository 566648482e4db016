"""Citation markers: unicode superscripts, ranges, caret groups, table cells."""

from __future__ import annotations

from citeqa.ingest.markers import find_citations, parse_numbers, strip_markers


def _numbers(text: str) -> list[list[int]]:
    return [c.numbers for c in find_citations(text)]


def test_superscript_range_expands():
    assert _numbers("for relapsed or refractory DLBCL.¹⁻³ Objective") == [[1, 2, 3]]
    assert _numbers("intensive therapy.⁴⁻⁶ Both") == [[4, 5, 6]]


def test_caret_groups_and_lists():
    assert _numbers("very poor outcomes.^{10,11} Not") == [[10, 11]]
    assert _numbers("CAR-T cell therapy,^{13,14} but") == [[13, 14]]
    assert parse_numbers("^{10–12, 15}") == [10, 11, 12, 15]
    assert parse_numbers("¹³") == [13]


def test_offsets_are_exact():
    text = "the LOTIS-2 trial.¹⁶ This heavily"
    (c,) = find_citations(text)
    assert text[c.start : c.end] == "¹⁶"


def test_markers_in_table_cells():
    assert _numbers("L-MIND ¹³") == [[13]]
    assert _numbers("36 (n = 42) ¹⁵") == [[15]]
    assert _numbers("Epcoritamab ²¹") == [[21]]


def test_not_markers():
    assert find_citations("Glofitamab is a 2:1 CD20×CD3 bispecific with 35% vs 39% at 12 months") == []
    assert find_citations("dose 375 mg/m² and ANC 1.5 × 10⁹/L") == []


def test_strip_markers():
    assert strip_markers("L-MIND ¹³") == "L-MIND"
    assert strip_markers("36 (n = 42) ¹⁵") == "36 (n = 42)"
    assert strip_markers("outcomes.^{10,11} Not surprisingly") == "outcomes. Not surprisingly"


def test_review_citations(review_text):
    cited = {n for c in find_citations(review_text) for n in c.numbers}
    assert set(range(1, 30)) <= cited
