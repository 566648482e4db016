"""First-page furniture — a journal's masthead above the title, "View Article Online", a "Cite
This:" line and a footnote block at the foot of the column — is in no chunk, while the title,
the byline and the abstract are, and the citation line still names the journal and year. A
publisher's cover page is furniture as a whole."""

from __future__ import annotations

import pytest

from citeqa.ingest.chunking import chunk_document
from citeqa.ingest.pipeline import parse_document
from masthead_fixture import ABSTRACT, AUTHORS, BANNER, BODY, CITE, COVER, FOOTNOTES, MASTHEAD, ONLINE, TITLE, make_masthead_pdf


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    return parse_document(make_masthead_pdf(tmp_path_factory.mktemp("masthead") / "masthead.pdf"))


@pytest.fixture(scope="module")
def chunked(doc):
    return " ".join(c.text for c in chunk_document(doc))


@pytest.mark.parametrize("furniture", [MASTHEAD, ONLINE, BANNER, CITE, "Cite This", "Read Online", *FOOTNOTES, "Corresponding author"])
def test_furniture_is_in_no_chunk(doc, chunked, furniture):
    assert furniture not in chunked and furniture not in doc.text


def test_title_byline_abstract_and_body_are_kept(doc, chunked):
    first = chunk_document(doc)[0].text
    assert first.startswith(TITLE)
    assert all(name in chunked for name in AUTHORS)
    assert all(" ".join(line.split()) in chunked for line in [*ABSTRACT, *BODY])


def test_furniture_kept_as_metadata(doc):
    assert (doc.title, doc.authors) == (TITLE, AUTHORS)
    assert (doc.journal, doc.year) == ("J. Appl. Tests", 2022)


def test_cover_page_is_in_no_chunk(tmp_path):
    covered = parse_document(make_masthead_pdf(tmp_path / "covered.pdf", cover=True))
    chunks = chunk_document(covered)
    assert not any(line.split(":")[0] in c.text for line in COVER for c in chunks)
    assert covered.text.count(TITLE) == 1 and chunks[0].text.startswith(TITLE)
    assert chunks[0].page == 2 and len(covered.pages) == 3  # the cover keeps its page number
    assert (covered.title, covered.authors, covered.journal, covered.year) == (TITLE, AUTHORS, "J. Appl. Tests", 2022)
