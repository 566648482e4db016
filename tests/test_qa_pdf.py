"""A PDF made from the review answers the same as the review's text."""

from __future__ import annotations

import pytest

from pdf_fixture import make_review_pdf

pytestmark = pytest.mark.slow

QUESTIONS = [
    "epcoritamab post-CAR-T CR rate",
    "What response rate did tafa-len achieve in L-MIND?",
    "Median PFS with loncastuximab in LOTIS-2?",
    "odronextamab complete response rate after CAR T-cell therapy",
    "What was the CR rate with epcoritamab in patients refractory to CAR T?",
    "Nonrelapse mortality at one year after allogeneic transplant post CAR T?",
    "What is the NCT number of the KITE-363 trial?",
    "What was the ORR of glofitamab after CAR T?",
    "How many patients with prior CAR T were in the glofitamab study?",
    "Who was the first author of the epcoritamab study?",
]


@pytest.fixture(scope="module")
def pdf_engine(tmp_path_factory, review_text, embedder):
    from citeqa.index.store import build_index, load_index
    from citeqa.qa.engine import Engine

    folder = tmp_path_factory.mktemp("pdf")
    pdf = make_review_pdf(review_text, folder / "review.pdf")
    build_index([pdf], folder / "index", embedder)
    return Engine(load_index(folder / "index", embedder.name, embedder.dimension), embedder)


@pytest.mark.parametrize("question", QUESTIONS)
def test_pdf_answers_like_text(engine, pdf_engine, question):
    from_text, from_pdf = engine.ask(question), pdf_engine.ask(question)
    assert from_pdf.abstained == from_text.abstained
    assert from_pdf.conflict == from_text.conflict
    assert from_pdf.value == from_text.value
    assert [c.section for c in from_pdf.citations] == [c.section for c in from_text.citations]
    for citation in from_pdf.citations:
        doc = pdf_engine.index.documents[citation.doc_id]
        assert doc.text[citation.start : citation.end] == citation.quote
        assert citation.page is not None and 1 <= citation.page <= len(doc.pages)
