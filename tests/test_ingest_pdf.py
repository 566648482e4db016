"""PDF ingest (a reportlab rendering of the review) and the error cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from citeqa.ingest.errors import IngestError
from citeqa.ingest.pipeline import find_corpus_files, ingest_file, parse_document


def _fixture_module():
    spec = importlib.util.spec_from_file_location("pdf_fixture", Path(__file__).with_name("pdf_fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def review_pdf(tmp_path_factory, review_text) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "review.pdf"
    return _fixture_module().make_review_pdf(review_text, out)


@pytest.fixture(scope="module")
def pdf_parsed(review_pdf):
    return ingest_file(review_pdf)


def test_pages_and_text(pdf_parsed):
    doc, _ = pdf_parsed
    assert doc.kind == "pdf" and len(doc.pages) > 1
    assert doc.pages[0][0] == 0 and doc.pages[-1][1] == len(doc.text)
    for (_, end), (start, _) in zip(doc.pages, doc.pages[1:]):
        assert doc.text[end:start] == "\n\n"
    assert doc.title == "Management of aggressive lymphoma after CAR T-cell therapy failure"
    assert "CD20×CD3" in doc.text and "TCR) α gene" in doc.text


def test_tables_from_pdf(pdf_parsed):
    doc, _ = pdf_parsed
    assert [t.label for t in doc.tables] == ["Table 1", "Table 2", "Table 3"]
    t2 = doc.tables[1]
    assert t2.blocks == ["Overall cohort", "Post-CAR T-cell cohort"]
    cr = next(r for r in t2.rows if r.block == "Post-CAR T-cell cohort" and r.label.value == "CR, %")
    assert cr.cells[0].value == "34"
    assert [c.references for c in t2.columns[1:]] == [[21], [20], [23], [22]]
    t1 = doc.tables[0]
    assert len(t1.rows) == 9  # split over two pages
    post = next(r for r in t1.rows if r.label.value == "ORR post-CART, %")
    assert (post.cells[0].value, post.cells[0].references) == ("36 (n = 42)", [15])
    last = t1.rows[-1]
    assert (last.label.value, [c.value for c in last.cells]) == ("PFS after CAR T-cell, mo", ["1.4", "1.4", "2.5", "—"])
    for t in doc.tables:
        for row in t.rows:
            for cell in [row.label, *row.cells]:
                assert doc.text[cell.start : cell.end] == cell.text


def test_pdf_matches_txt(pdf_parsed, review_path):
    doc, chunks = pdf_parsed
    txt = parse_document(review_path)
    assert len(doc.references) == 29
    assert [r.pages for r in doc.references] == [r.pages for r in txt.references]
    assert doc.reference(21).authors[0] == "Thieblemont C"
    assert [c.numbers for c in doc.citations] == [c.numbers for c in txt.citations]
    assert [s.title for s in doc.sections] == [s.title for s in txt.sections]
    for a, b in zip(doc.tables, txt.tables):
        assert [(r.block, r.label.value, [c.value for c in r.cells]) for r in a.rows] == [
            (r.block, r.label.value, [c.value for c in r.cells]) for r in b.rows
        ]


def test_pdf_chunks_have_pages(pdf_parsed):
    doc, chunks = pdf_parsed
    assert all(c.page is not None for c in chunks)
    assert {c.page for c in chunks} == set(range(1, len(doc.pages) + 1))
    ref21 = next(c for c in chunks if c.kind == "reference" and c.references == [21])
    assert ref21.text.endswith("2023;41(12):2238-2247.")
    row = next(c for c in chunks if c.kind == "table_row" and "Post-CAR T-cell cohort · CR, %" in c.text)
    assert "Epcoritamab: 34" in row.text
    assert any("relapsed disease after CAR T-cell therapy as opposed" in c.text for c in chunks)


# --- errors ---------------------------------------------------------------------------


def _raises(path: Path, cause: str) -> None:
    with pytest.raises(IngestError) as info:
        parse_document(path)
    assert path.name in str(info.value)
    assert cause in str(info.value)
    assert info.value.path == path


def test_corrupt_pdf(tmp_path):
    bad = tmp_path / "broken-paper.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ngarbage without xref")
    _raises(bad, "corrupt")


def test_encrypted_pdf(tmp_path, review_text):
    from pypdf import PdfReader, PdfWriter

    plain = _fixture_module().make_review_pdf(review_text[:3000], tmp_path / "plain.pdf")
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked-review.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    _raises(locked, "encrypted")


def test_pdf_without_text(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    blank = tmp_path / "scanned.pdf"
    with blank.open("wb") as fh:
        writer.write(fh)
    _raises(blank, "no extractable text")


def test_empty_and_unsupported_and_undecodable(tmp_path):
    empty = tmp_path / "empty-notes.txt"
    empty.write_text("")
    _raises(empty, "empty")
    docx = tmp_path / "paper.docx"
    docx.write_bytes(b"PK\x03\x04")
    _raises(docx, "unsupported")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\xe9 ¹".encode("latin-1", errors="replace"))
    _raises(latin, "UTF-8")
    _raises(tmp_path / "missing.md", "cannot read")


def test_find_corpus_files(tmp_path):
    (tmp_path / "b.txt").write_text("B")
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("C")
    (tmp_path / "notes.docx").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "d.txt").write_text("x")
    found = find_corpus_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.pdf", "b.txt", "sub/c.md"]
    assert find_corpus_files([tmp_path / "b.txt", tmp_path]) [0] == tmp_path / "b.txt"
