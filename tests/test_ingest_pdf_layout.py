"""Layout-aware PDF ingestion: a generated two-column article with the hard cases of real papers,
the real journal PDFs of ../shared (acceptance), and ingesting into an existing index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citeqa.ingest.pipeline import ingest_file, parse_document
from flow_fixture import BULLETS, TABLE2_HEADER, TABLE2_ROWS, TABLE3_HEADER, TABLE3_ROWS, TABLE_ROWS, continued_sentence, justified_text, make_flow_pdf
from journal_fixture import HEADER, REFERENCES, TITLE, make_journal_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_PDFS = sorted((SHARED / "corpus" / "pdfs").glob("*.pdf"))
LITQA2_PDFS = sorted((SHARED / "benchmarks" / "litqa2" / "pdfs").glob("*.pdf"))
# A word split by a line-end hyphen and a space ("com- plication"), not a dash between words.
# ("first- and second-line" is a suspended hyphen, not a split word.)
_SPLIT_WORD_RE = re.compile(r"\b[a-z]{2,}- (?!(?:and|or|to|nor|as|for|but|than|vs)\b)[a-z]{2,}\b")


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    path = make_journal_pdf(tmp_path_factory.mktemp("journal") / "trial.pdf")
    return ingest_file(path)


def test_two_columns_read_in_order(article):
    doc, _ = article
    text = doc.text
    # Each column is read top to bottom; the left column's last paragraph continues in the right.
    assert "Heart failure affects 2,462 participants in our registry, as reported before.¹² Exercise" in text
    assert "at baseline and at 12 months.⁶ Secondary outcomes included quality of life" in text
    assert text.index("Introduction") < text.index("Methods") < text.index("Results") < text.index("Discussion")
    assert [s.title for s in doc.sections] == ["Introduction", "Methods", "Results", "Discussion", "References"]


def test_title_from_the_first_page_not_junk_metadata(article):
    doc, _ = article
    assert doc.title == TITLE
    # The journal and year from the first page's running header (removed from the text).
    assert (doc.journal, doc.year) == ("J Test Med", 2024)


def test_running_header_and_page_numbers_removed(article):
    doc, chunks = article
    assert HEADER not in doc.text and "Original article" not in doc.text
    assert len(doc.pages) == 2
    for start, end in doc.pages:
        page = doc.text[start:end]
        assert not re.search(r"(?m)^\s*\d{1,3}\s*$", page)  # no lone page number
    assert not any(HEADER in c.text for c in chunks)


def test_hyphenation_and_ligatures_repaired(article):
    doc, _ = article
    assert "carcinoma survivors" in doc.text and "carci-" not in doc.text
    assert "supervised exercise" in doc.text.lower()
    assert "significant" in doc.text and "\ufb01" not in doc.text
    assert not _SPLIT_WORD_RE.search(doc.text)


def test_numbers_intact_and_superscripts_are_citations(article):
    doc, _ = article
    for figure in ("2,462 participants", "67.4 ± 8.2 years", "0.72 (95% CI 0.61–0.85)", "12–18 months"):
        assert figure in doc.text
    found = {doc.text[c.start : c.end]: c.numbers for c in doc.citations}
    assert found["¹²"] == [12] and found["³–⁵"] == [3, 4, 5] and found["⁷,⁸"] == [7, 8]
    assert "before.12" not in doc.text  # a marker never reads as a value
    numbers = {r.number for r in doc.references}
    assert all(set(c.numbers) <= numbers for c in doc.citations)


def test_table_with_header_block_rows_and_footnote(article):
    doc, chunks = article
    (table,) = doc.tables
    assert (table.label, table.title) == ("Table 1", "Outcomes at 12 months")
    assert [c.value for c in table.columns] == ["Outcome", "Exercise", "Usual care"]
    assert [(r.block, r.label.value, [c.value for c in r.cells]) for r in table.rows] == [
        (None, "Walk distance, m", ["41", "6"]),
        (None, "Admissions, %", ["19", "31"]),
        ("Women", "Walk distance, m", ["38", "5"]),
    ]
    assert [f.marker for f in table.footnotes] == ["*"]
    for row in table.rows:
        for cell in [row.label, *row.cells]:
            assert doc.text[cell.start : cell.end] == cell.text
    assert table.page == 1


def test_numbered_references(article):
    doc, chunks = article
    assert [r.number for r in doc.references] == list(range(1, len(REFERENCES) + 1))
    assert doc.reference(10).year == 2010 and doc.reference(10).journal == "Eur Heart J"
    assert {c.page for c in chunks if c.kind == "reference"} == {2}


def test_offsets_are_verbatim(article):
    doc, chunks = article
    for chunk in chunks:
        if chunk.kind == "text" and not chunk.spans:
            assert " ".join(doc.text[chunk.start : chunk.end].split()) == chunk.text


# --- text that flows past page furniture -------------------------------------------


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    return parse_document(make_flow_pdf(tmp_path_factory.mktemp("flow") / "flow.pdf"))


def test_a_sentence_goes_on_past_a_first_page_box_and_the_page_break(flow):
    text = flow.text
    # Page 1 stops mid-sentence above its publication-history box; page 2 goes on with it.
    assert continued_sentence() in text
    # The box is kept, after the paragraph it interrupted.
    assert text.index(continued_sentence()) < text.index("Received: April 21, 2022") < text.index("The ring was built")


def test_justified_lines_with_stretched_spaces_are_running_text(flow):
    # Word spaces wider than a table's cell gap, even and on every line, are prose: no tab, no
    # block break, and the manuscript line numbers before each line are gone.
    assert justified_text() in flow.text
    assert not re.search(r"\b\d{1,2} (?:The ring|subunits per|and the time|all of the)", flow.text)
    # A table row of six lower-case words at column positions stays a row of cells.
    table = flow.tables[0]
    assert [c.text for c in table.columns] == TABLE_ROWS[0]
    assert [[r.label.text] + [c.text for c in r.cells] for r in table.rows] == TABLE_ROWS[1:]


def test_a_list_item_with_a_wide_gap_after_its_bullet_is_one_paragraph(flow):
    for item in BULLETS:
        assert "• " + " ".join(item) in flow.text


def test_a_table_set_well_below_its_caption_is_read(flow):
    table = flow.tables[1]
    assert table.label == "Table 2"
    header = [" ".join(w for w in words if w) for words in zip(*TABLE2_HEADER)]
    assert [c.text for c in table.columns] == header  # "Start position": one header cell
    assert [[r.label.text] + [c.text for c in r.cells] for r in table.rows] == TABLE2_ROWS


def test_a_header_wrapped_over_lines_with_first_cells_is_one_header(flow):
    table = flow.tables[2]
    # The caption is found though a line number stood before it (a page of few lines loses its
    # line numbers when they stand where page 2's do).
    assert table.label == "Table 3"
    assert not re.search(r"^\d+$|^\d+ (?:The data|Table 3)", flow.text, re.MULTILINE)
    assert [c.text for c in table.columns] == [" ".join(words) for words in zip(*TABLE3_HEADER)]
    assert [[r.label.text] + [c.text for c in r.cells] for r in table.rows] == TABLE3_ROWS


# --- real PDFs (acceptance) ---------------------------------------------------------


def _line_end_splits(doc, path: Path) -> list[str]:
    """Words of ``doc.text`` split as ``com- plication`` more often than the PDF prints them so
    inside a line (PDFium's plain text): line-end hyphens we failed to repair. A hyphen followed
    by a space inside a printed line is the source's own text, and stays."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        raw = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    missed = []
    for split in set(_SPLIT_WORD_RE.findall(doc.text)):
        # More "com- plication" in our text than printed so in the PDF's own lines: a line-end
        # hyphen left unrepaired.
        if doc.text.count(split) > raw.count(split):
            missed.append(split)
    return missed


def _running_lines(path: Path) -> set[str]:
    """Lines that open or close most pages of the PDF (PDFium's plain text), digits folded:
    running headers and footers as the PDF prints them."""
    import pypdfium2 as pdfium
    from collections import Counter

    pdf = pdfium.PdfDocument(str(path))
    try:
        counts: Counter[str] = Counter()
        for i in range(len(pdf)):
            lines = [ln.strip() for ln in pdf[i].get_textpage().get_text_range().splitlines() if ln.strip()]
            counts.update({_fold(ln) for ln in lines[:2] + lines[-2:]})
        pages = len(pdf)
    finally:
        pdf.close()
    return {key for key, n in counts.items() if n >= max(3, pages / 2) and len(key) >= 12}


def _kept_running_lines(doc, path: Path) -> list[str]:
    """Running headers/footers of the PDF that a paragraph of ``doc.text`` is, starts or ends with
    (a header left in would be a block of its own, or stuck to a paragraph's edge). On the first
    page only a whole paragraph counts: "Cite this: <the running footer>" is the article's own."""
    running = _running_lines(path)
    kept = set()
    pos = 0
    for paragraph in doc.text.split("\n"):
        folded = _fold(paragraph)
        first_page = doc.page_at(pos) == 1
        pos += len(paragraph) + 1
        for line in running:
            if folded == line or (not first_page and (folded.startswith(line) or folded.endswith(line))):
                kept.add(line)
    return sorted(kept)


def _fold(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _real(paths: list[Path]) -> list[Path]:
    if not paths:
        pytest.skip("../shared is not here (the real PDFs live there)")
    return paths


def test_a_table_set_as_an_image_gets_a_note_and_the_text_after_it_is_kept():
    # bioRxiv 578450 prints Table 1 as a picture under a text caption: no rows to read.
    (path,) = [p for p in _real(LITQA2_PDFS) if p.name == "10-1101-2024-02-01-578450.pdf"]
    doc = parse_document(path)
    assert any("page 5: Table 1 has a caption but no rows" in w for w in doc.warnings)
    assert "Novel retrotransposon insertions in the aged human brain" in [s.title for s in doc.sections]
    assert "using TLDR [39], a tool designed to detect retrotransposon insertion using long-read data" in doc.text


@pytest.mark.parametrize("path", SHARED_PDFS or [None], ids=lambda p: p.name if p else "none")
def test_shared_pdfs_are_clean(path):
    if path is None:
        pytest.skip("../shared/corpus/pdfs is not here")
    doc, chunks = ingest_file(path)
    assert doc.title and len(doc.title.split()) >= 3
    assert not _line_end_splits(doc, path)
    # No chunk carries a running header or footer (a line that opens or closes most pages).
    assert not _kept_running_lines(doc, path)
    for chunk in chunks:
        assert not re.search(r"(?:^|\s)(?:Page \d+ of \d+)\b", chunk.text)
    # Tables found have rows (all but a rare one per paper), cells whose offsets are verbatim.
    assert sum(1 for t in doc.tables if t.rows) >= len(doc.tables) - 1
    for table in doc.tables:
        for row in table.rows:
            assert all(doc.text[c.start : c.end] == c.text for c in [row.label, *row.cells])
    if any(r.numbered for r in doc.references):
        linked = [c for c in doc.citations if set(c.numbers) <= {r.number for r in doc.references}]
        assert linked, "a numbered reference list but no in-text marker linked"


@pytest.mark.parametrize("path", SHARED_PDFS or [None], ids=lambda p: p.name if p else "none")
def test_shared_pdfs_structure(path):
    """Sections are the paper's real headings (as read off the PDF into eval/pdf_metadata.json):
    every top-level heading found, no top-level section that is not one (no banner, title, byline,
    figure label); authors, journal, year and DOI right."""
    if path is None:
        pytest.skip("../shared/corpus/pdfs is not here")
    from citeqa.eval.bench_pdf import DEFAULT_TRUTH, FileResult, score_facts, load_truth

    doc = parse_document(path)
    truth = load_truth(DEFAULT_TRUTH)[path.stem]
    result = FileResult(name=path.name)
    score_facts(result, doc, truth)
    assert result.headings_missed == [] and result.sections_extra == []
    assert not [s.title for s in doc.sections if len(s.title) <= 2]  # no panel letter
    assert (result.first_author_ok, result.author_count_ok, result.journal_ok, result.year_ok, result.doi_ok) == (True,) * 5


def test_running_headers_gone_from_a_real_paper():
    (path,) = [p for p in _real(SHARED_PDFS) if p.name.startswith("bmc-")]
    doc, chunks = ingest_file(path)
    assert not any("BMC Health Services Research 2014, 14:1" in c.text for c in chunks)
    assert not any(re.search(r"Page \d+ of \d+", c.text) for c in chunks)
    (table,) = [t for t in doc.tables if t.label == "Table 1"]
    row = next(r for r in table.rows if r.label.value == "Privacy given")
    assert [c.value for c in row.cells] == ["99", "1", "97"]
    assert [c.value for c in table.columns] == ["Item", "Yes (%)", "No (%)", "Respondents"]


@pytest.mark.slow
def test_litqa2_pdfs_parse_with_titles_authors_and_sections():
    """A slice (every fourth paper) of the LitQA2 PDFs; `make bench-pdf` runs them all."""
    from citeqa.eval.bench_pdf import DEFAULT_TRUTH, FileResult, score_facts, load_truth, title_matches

    truth = load_truth(DEFAULT_TRUTH)
    right = authors = 0
    results = []
    sample = _real(LITQA2_PDFS)[::4]
    for path in sample:
        doc = parse_document(path)
        right += title_matches(doc.title, truth[path.stem].title)
        assert not _line_end_splits(doc, path), path.name
        assert not _kept_running_lines(doc, path), path.name
        assert not [s.title for s in doc.sections if len(s.title) <= 2], path.name  # no figure panel letter
        result = FileResult(name=path.name)
        score_facts(result, doc, truth[path.stem])
        authors += bool(result.first_author_ok and result.author_count_ok)
        results.append(result)
    assert right >= 0.9 * len(sample) and authors >= 0.8 * len(sample)
    # Sections: most real top-level headings found, most top-level sections real headings.
    assert sum(r.headings_found for r in results) >= 0.85 * sum(r.headings for r in results)
    assert sum(r.sections_top_right for r in results) >= 0.85 * sum(r.sections_top for r in results)


# --- ingest into an existing index ----------------------------------------------------


def test_ingesting_one_pdf_keeps_every_other_document(tmp_path, review_path):
    import shutil

    from citeqa.index.store import Existing, build_index, load_index
    from citeqa.index.testing import HashEmbedder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    (corpus / "notes.md").write_text("# Notes\n\nGlofitamab had a CR rate of 35% after CAR T.\n", encoding="utf-8")
    embedder = HashEmbedder()
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, embedder)
    before = load_index(index_dir)
    pdf = make_journal_pdf(tmp_path / "one.pdf")
    report = build_index([pdf], index_dir, embedder, existing=Existing.keep)
    after = load_index(index_dir)
    assert set(after.documents) == set(before.documents) | {"one"}
    assert report.kept == 2 and report.removed == 0
    for doc_id in before.documents:
        assert [c.id for c in after.chunks_of(doc_id)] == [c.id for c in before.chunks_of(doc_id)]
    assert report.embedded == len(after.chunks_of("one"))  # the kept documents embed nothing

    # --prune drops what is gone from the given folder; --replace indexes exactly the files given.
    (corpus / "notes.md").unlink()
    pruned = build_index([corpus], index_dir, embedder, existing=Existing.prune)
    assert set(load_index(index_dir).documents) == {"review", "one"} and pruned.removed == 1
    build_index([pdf], index_dir, embedder, existing=Existing.replace)
    assert set(load_index(index_dir).documents) == {"one"}


def test_a_bad_pdf_into_an_existing_index_changes_nothing(tmp_path, review_path):
    from citeqa.index.errors import IndexBuildError
    from citeqa.index.store import Existing, build_index
    from citeqa.index.testing import HashEmbedder
    from helpers import snapshot
    from citeqa.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "review.txt").write_text(review_path.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    build_index([corpus], settings.index_dir, HashEmbedder())
    before = snapshot(settings)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(IndexBuildError, match="broken.pdf"):
        build_index([bad], settings.index_dir, HashEmbedder(), existing=Existing.keep)
    assert snapshot(settings) == before
