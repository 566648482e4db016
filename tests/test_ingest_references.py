"""The review's numbered reference list."""

from __future__ import annotations

import pytest

from citeqa.ingest.pipeline import parse_document
from citeqa.ingest.references import parse_references


@pytest.fixture(scope="module")
def refs(review_text):
    return parse_references(review_text)


def test_all_29_parse(refs):
    assert [r.number for r in refs] == list(range(1, 30))
    for r in refs:
        assert r.authors and r.title and r.journal and r.year and r.pages, r
        assert "*" not in r.journal


def test_reference_21(refs):
    r = refs[20]
    assert r.authors[0] == "Thieblemont C"
    assert r.journal == "J Clin Oncol"
    assert (r.year, r.volume, r.issue, r.pages) == (2023, "41", "12", "2238-2247")
    assert r.title.startswith("Epcoritamab, a novel, subcutaneous CD3xCD20 bispecific")


def test_odd_entries(refs):
    assert (refs[23].volume, refs[23].issue, refs[23].pages) == ("39", "15, suppl", "2529")
    assert (refs[13].volume, refs[13].issue, refs[13].pages) == ("134", "suppl 1", "2859")
    assert refs[18].pages == "e511-e522"
    assert refs[4].authors[-1] == "TRANSFORM Investigators"
    assert refs[15].authors[0] == "Caimi PF"  # after the stray blank line
    assert refs[0].journal == "N Engl J Med"


def test_offsets_and_trailer(review_text, refs):
    for r in refs:
        assert " ".join(review_text[r.start : r.end].split()) == r.text
    assert "DOI" not in refs[-1].text and refs[-1].text.endswith("2020;38(2):155-165.")


def test_document_lookup(review_path):
    doc = parse_document(review_path)
    assert doc.reference(15).journal == "Blood"
    assert doc.reference(99) is None


def test_wrapped_entries_and_no_list():
    text = "Body.\n\nReferences\n\n1. Smith J, Doe A. A title that\nwraps. *Blood*. 2020;1(2):3-4.\n2. Roe B. Other. *Cell*. 2021;5:6.\n"
    a, b = parse_references(text)
    assert a.title == "A title that wraps" and a.journal == "Blood" and a.authors == ["Smith J", "Doe A"]
    assert (b.year, b.volume, b.issue, b.pages) == (2021, "5", None, "6")
    assert parse_references("No reference list here.") == []
