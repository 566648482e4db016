"""The PDF questions: well formed, and every expected figure printed on each page its source names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citeqa.eval.cases import load_cases
from citeqa.eval.corpora import doc_id_for
from citeqa.eval.numbers import normalise_text
from citeqa.eval.suites import DEFAULT_PDF_QUESTIONS

PDFS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "pdfs"
CASES = load_cases([DEFAULT_PDF_QUESTIONS])


def test_size_holdout_and_sources():
    docs = {c.source.doc_id for c in CASES}
    assert len(docs) == 4
    for doc in docs:
        assert sum(c.source.doc_id == doc for c in CASES) >= 5, doc
    assert all(c.source.pages for c in CASES)
    holdout = [c for c in CASES if c.holdout]
    assert 0.2 <= len(holdout) / len(CASES) <= 0.3
    assert sum(c.kind in ("number", "range") for c in CASES) >= 20


@pytest.fixture(scope="module")
def pages() -> dict[str, list[str]]:
    if not PDFS.is_dir():
        pytest.skip(f"shared PDFs not found at {PDFS}")
    from pypdf import PdfReader

    return {doc_id_for(p): [page.extract_text() or "" for page in PdfReader(p).pages] for p in sorted(PDFS.glob("*.pdf"))}


def _numbers(text: str) -> set[str]:
    return {f"{float(n):g}" for n in re.findall(r"\d+(?:\.\d+)?", text.replace(",", ""))}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_expected_value_is_on_the_source_page(case, pages):
    doc = pages[case.source.doc_id]
    for page in case.source.pages:
        text = doc[page - 1]
        e = case.expected
        if case.kind == "number":
            assert f"{e['number']:g}" in _numbers(text), (case.id, page)
        elif case.kind == "range":
            assert {f"{e['low']:g}", f"{e['high']:g}"} <= _numbers(text), (case.id, page)
        else:
            assert normalise_text(e["text"]) in normalise_text(text), (case.id, page)


@pytest.mark.slow
def test_real_slice_of_one_pdf(embedder, tmp_path):
    """The questions of one PDF over that PDF alone, through the real PDF ingest, index and engine."""
    if not PDFS.is_dir():
        pytest.skip(f"shared PDFs not found at {PDFS}")
    from citeqa.eval.suites import EvalOptions, run_pdf
    from citeqa.qa.engine import Engine

    first = CASES[0].source.doc_id
    n = next(i for i, c in enumerate(CASES) if c.source.doc_id != first)
    opts = EvalOptions(pdfs=PDFS, limit=n, own_documents=True, cache_dir=tmp_path)
    result = run_pdf(opts, embedder, Engine)
    assert "1 documents" in result.notes[-1]
    main = result.parts["main"]
    assert main["errors"] == 0 and main["n"] + result.parts.get("holdout", {}).get("n", 0) == n
    assert main["grounding"] in (1.0, None)  # every figure answered stands in a cited quote
    assert main["recall_at_5"] >= 0.8
