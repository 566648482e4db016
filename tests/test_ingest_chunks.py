"""Chunks of the review: verbatim spans, table rows, stable ids, references."""

from __future__ import annotations

import re

import pytest

from citeqa.ingest.chunking import chunk_document
from citeqa.ingest.pipeline import ingest_file, parse_document, parse_text
from citeqa.ingest.sentences import sentence_spans


@pytest.fixture(scope="module")
def parsed(review_path):
    return ingest_file(review_path)


def _norm(s: str) -> str:
    return " ".join(s.split())


def test_text_chunks_are_verbatim(parsed):
    doc, chunks = parsed
    for c in chunks:
        if c.kind == "table_row":
            continue
        if c.spans:
            assert c.text == " ".join(_norm(doc.text[s:e]) for s, e in c.spans)
            assert (c.spans[0][0], c.spans[-1][1]) == (c.start, c.end)
        else:
            assert c.text == _norm(doc.text[c.start : c.end]), c


def test_chunk_kinds_and_sizes(parsed):
    doc, chunks = parsed
    kinds = {c.kind for c in chunks}
    assert kinds == {"text", "caption", "table_row", "footnote", "reference"}
    assert sum(c.kind == "reference" for c in chunks) == 29
    assert sum(c.kind == "table_row" for c in chunks) == sum(len(t.rows) for t in doc.tables)
    for c in chunks:
        if c.kind == "text":
            assert len(c.text) <= 900 or len(sentence_spans(c.text, 0, len(c.text))) == 1


def test_chunks_do_not_cross_sections(parsed):
    doc, chunks = parsed
    for c in chunks:
        if c.kind == "text" and c.section not in (None, "Abstract"):
            sec = next(s for s in doc.sections if s.title == c.section and s.start <= c.start < s.end)
            assert c.end <= sec.end


def test_chunks_end_on_sentence_boundaries(parsed):
    doc, chunks = parsed
    for c in chunks:
        if c.kind == "text" and c.section == "Main text":
            assert re.search(r"[.?!:)][⁰¹²³⁴⁵⁶⁷⁸⁹⁻}]*$", c.text) or c.text.endswith("that"), c.text[-60:]


def test_table_row_chunk_restates_headers(parsed):
    doc, chunks = parsed
    row = next(c for c in chunks if c.kind == "table_row" and c.table == "Table 2" and "Post-CAR T-cell cohort · CR, %" in c.text)
    assert row.text == (
        "Table 2. Emerging bispecific antibodies · Post-CAR T-cell cohort · CR, % · "
        "Epcoritamab: 34; Glofitamab: 35; Mosunetuzumab: 26; Odronebamab: 24"
    )
    assert row.references == [20, 21, 22, 23]
    table = doc.tables[1]
    assert table.rows[row.row].label.value == "CR, %"
    assert (row.start, row.end) == (table.rows[row.row].start, table.rows[row.row].end)
    starred = next(c for c in chunks if c.kind == "table_row" and "Overall cohort · Sample size" in c.text)
    assert "Odronebamab: 49*" in starred.text and "without prior CAR T-cell therapy" in starred.text
    t1 = next(c for c in chunks if c.kind == "table_row" and "ORR post-CART" in c.text)
    assert "Tafasitamab + lenalidomide: 36 (n = 42)" in t1.text and 15 in t1.references


def test_references_on_chunks(parsed):
    doc, chunks = parsed
    epco = next(c for c in chunks if c.kind == "text" and "Epcoritamab, a subcutaneous" in c.text)
    assert 21 in epco.references
    ref21 = next(c for c in chunks if c.kind == "reference" and c.references == [21])
    assert ref21.text.startswith("21. Thieblemont C")


def test_rejoined_chunk_spans_the_table(parsed):
    doc, chunks = parsed
    joined = next(c for c in chunks if "patients with relapsed disease after CAR T-cell therapy as opposed to" in c.text)
    assert len(joined.spans) == 2
    assert doc.text[joined.spans[1][0] :].startswith("after CAR T-cell therapy as opposed")
    case = next(c for c in chunks if "tomography/computed tomography postbridging" in c.text)
    assert not case.spans


def test_ids_stable_and_content_sensitive(review_path, review_text):
    doc = parse_document(review_path)
    first = [c.id for c in chunk_document(doc)]
    assert first == [c.id for c in chunk_document(parse_document(review_path))]
    assert len(set(first)) == len(first)
    assert all(i.startswith("review:") for i in first)
    changed = parse_text(review_text.replace("ORR of 48%", "ORR of 49%"), "review")
    changed_ids = {c.id for c in chunk_document(changed)}
    assert changed_ids != set(first)
    assert len(changed_ids & set(first)) > len(first) // 2  # only the edited chunk(s) differ


def test_structureless_abstract():
    text = "Vitamin D and fractures\n\nWe studied 120 patients (e.g. adults). The rate fell by 3.5% vs. placebo. Dr. Who agreed."
    doc = parse_text(text, "scifact-1")
    chunks = chunk_document(doc)
    assert len(chunks) == 1
    assert chunks[0].text.startswith("Vitamin D and fractures We studied 120")
    assert chunks[0].page is None and chunks[0].kind == "text"
    assert chunk_document(parse_text("Only a title", "t"))[0].text == "Only a title"


def test_sentence_splitter():
    text = "Loretta J. Nastoupil et al. showed ORR 36% vs. 17% (e.g. No. 5). It rose 4.4-fold.¹⁵ Next one"
    sents = [text[s:e] for s, e in sentence_spans(text, 0, len(text))]
    assert sents == ["Loretta J. Nastoupil et al. showed ORR 36% vs. 17% (e.g. No. 5).", "It rose 4.4-fold.¹⁵", "Next one"]


def test_json_round_trip(parsed):
    import json

    from citeqa.ingest.models import Chunk, Document

    doc, chunks = parsed
    assert Document.from_dict(json.loads(json.dumps(doc.to_dict()))) == doc
    assert [Chunk.from_dict(json.loads(json.dumps(c.to_dict()))) for c in chunks] == chunks
