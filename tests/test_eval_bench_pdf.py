"""bench-pdf's structure scores: headings matched one to one, bibliographic facts, the truth file."""

from __future__ import annotations

import json

import pytest

from citeqa.eval.bench_pdf import (
    DEFAULT_TRUTH,
    BenchPdfError,
    FileResult,
    Truth,
    score_facts,
    heading_key,
    journal_matches,
    load_truth,
    match_headings,
)
from citeqa.ingest.models import Document, Section


def test_heading_key_drops_numbering_case_spacing_and_punctuation():
    assert heading_key("2. Results and Discussion") == "resultsanddiscussion"
    assert heading_key("IV. DISCUSSION") == "discussion"
    assert heading_key("RE FE RENCES AND N OT ES") == heading_key("References and Notes")
    assert heading_key("Authors’ contributions") == heading_key("Authors' contributions")
    assert heading_key("2022 results") == "2022results"  # a year is not numbering


def test_headings_match_one_to_one():
    found = ["Abstract", "Abstract", "Introduction", "A", "Acknowledgments", "RESULTS"]
    expected = ["Abstract", "Introduction", "Results", "Acknowledgements"]
    matched, extra = match_headings(found, expected)
    assert matched == ["Abstract", "Introduction", "Acknowledgments", "RESULTS"]
    assert extra == ["Abstract", "A"]  # a second "Abstract" is not a real heading
    assert match_headings(["Results"], ["Result"])[0] == ["Results"]  # near spellings match …
    assert match_headings(["Figure"], ["Figures"])[1] == []
    assert match_headings(["B"], ["C"])[1] == ["B"]  # … short ones do not


def test_journal_names():
    assert journal_matches("J. Chem. Theory Comput.", ["Journal of Chemical Theory and Computation", "J. Chem. Theory Comput."])
    assert journal_matches("NUCLEIC ACIDS RESEARCH", ["Nucleic Acids Research"])
    assert journal_matches("Biophysj", ["Biophysical Journal", "Biophys J"])  # spacing aside, the abbreviation
    assert not journal_matches("Biophysics", ["Biophysical Journal", "Biophys J"])
    assert not journal_matches(None, ["Science"])


def _doc(**kwargs) -> Document:
    return Document(doc_id="d", path="d.pdf", kind="pdf", text="", sha256="", **kwargs)


def test_facts_and_sections_scored():
    truth = Truth(title="T", first_author="Agyeman-Duah", authors=2, journal=["BMC Health Services Research"], year=2014,
                  doi="10.1186/1472-6963-14-1", sections=["Abstract", "Background", "Methods"])
    doc = _doc(
        authors=["Josephine Nana Afrakoma Agyeman-Duah", "Antje Theurer"], journal="BMC Health Services Research", year=2014,
        doi="10.1186/1472-6963-14-1.",
        sections=[Section("Abstract", 0, 1), Section("Background", 1, 2), Section("Setting", 2, 3, level=2), Section("OPEN ACCESS", 3, 4)],
    )
    result = FileResult(name="d.pdf")
    score_facts(result, doc, truth)
    assert (result.first_author_ok, result.author_count_ok, result.journal_ok, result.year_ok, result.doi_ok) == (True, True, True, True, True)
    assert (result.sections_top, result.sections_top_right) == (3, 2)  # level 2 is not top level
    assert (result.headings, result.headings_found, result.headings_missed) == (3, 2, ["Methods"])
    assert result.sections_extra == ["OPEN ACCESS"]
    wrong = FileResult(name="d.pdf")
    score_facts(wrong, _doc(authors=["Theurer A"], doi=None), truth)
    assert (wrong.first_author_ok, wrong.author_count_ok, wrong.journal_ok, wrong.year_ok, wrong.doi_ok) == (False, False, False, False, False)


def test_truth_file(tmp_path):
    truth = load_truth(DEFAULT_TRUTH)
    assert len(truth) == 42 and all(t.title and t.year for t in truth.values())
    assert truth["bmc-quality-improvement-malawi-2014"].journal == ["BMC Health Services Research", "BMC Health Serv Res"]
    old = tmp_path / "titles.json"
    old.write_text(json.dumps({"_about": "x", "a": "A title"}), encoding="utf-8")
    assert load_truth(old) == {"a": Truth(title="A title")}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"a": {"title": "T", "colour": "red"}}), encoding="utf-8")
    with pytest.raises(BenchPdfError, match="bad.json.*'a'"):
        load_truth(bad)
