"""Title, authors, sections, paragraph kinds and the page-break rejoin."""

from __future__ import annotations

import pytest

from citeqa.ingest.pipeline import parse_document, parse_text


@pytest.fixture(scope="module")
def doc(review_path):
    return parse_document(review_path)


def _para(doc, startswith):
    return next(p for p in doc.paragraphs if doc.text[p.start : p.end].startswith(startswith))


def test_title_and_authors(doc):
    assert doc.title == "Management of aggressive lymphoma after CAR T-cell therapy failure"
    assert doc.authors == ["Loretta J. Nastoupil", "Swetha Kambhampati"]
    assert doc.doc_id == "review" and len(doc.sha256) == 64 and doc.kind == "txt"


def test_sections(doc):
    titles = [s.title for s in doc.sections]
    for expected in [
        "Abstract",
        "LEARNING OBJECTIVES",
        "CLINICAL CASE",
        "CLINICAL CASE (continued)",
        "Conclusions",
        "Conflict-of-interest disclosure",
        "Off-label drug use",
        "Correspondence",
        "References",
    ]:
        assert expected in titles
    assert titles[0] == "Abstract"
    assert "Main text" in titles  # the uncited case narrative ends where the review starts citing
    for a, b in zip(doc.sections, doc.sections[1:]):
        assert a.end == b.start
    abstract = doc.sections[0]
    assert doc.text[abstract.start :].startswith("Several recent advances")


def test_affiliation_marks_are_not_citations(doc):
    abstract_start = doc.sections[0].start
    assert all(c.start >= abstract_start for c in doc.citations)


def test_paragraph_kinds(doc):
    kinds = {p.kind for p in doc.paragraphs}
    assert {"paragraph", "list_item", "figure_caption", "table_footnote", "heading"} <= kinds
    assert _para(doc, "- Evaluate the available evidence").kind == "list_item"
    assert _para(doc, "Figure 1. Treatment algorithm").kind == "figure_caption"
    assert _para(doc, "*Responses reported").kind == "table_footnote"
    assert _para(doc, "Conclusions").kind == "heading"
    assert _para(doc, "Glofitamab is a 2:1").section == "Main text"


def test_split_paragraph_with_only_blank_line_is_one(doc):
    p = _para(doc, "A 67-year-old woman")
    text = doc.text[p.start : p.end]
    assert "Positron emission tomography/computed\n\ntomography postbridging" in text
    assert text.endswith("concerns about recurrent lymphoma.")
    p = _para(doc, "Targeting CD20 has been")
    assert doc.text[p.start : p.end].endswith("post-CAR T-cell space (Table 2).")


def test_split_paragraph_across_table_is_linked(doc):
    first = _para(doc, "It is unclear whether")
    assert doc.text[first.start : first.end].endswith("patients with relapsed disease")
    second = next(p for p in doc.paragraphs if p.start == first.continues_at)
    assert doc.text[second.start :].startswith("after CAR T-cell therapy as opposed to")
    assert second.continuation_of == first.start
    assert any(t.start > first.end and t.end < second.start for t in doc.tables)
    # the same across Tables 2 and 3
    a = _para(doc, "Odronektamab, a fully human")
    b = next(p for p in doc.paragraphs if p.start == a.continues_at)
    assert doc.text[b.start :].startswith("are under investigation (Table 3)")


def test_no_paragraph_inside_tables_or_reference_list(doc):
    refs_start = doc.references[0].start
    for p in doc.paragraphs:
        if p.kind in ("paragraph", "list_item", "heading"):
            assert not any(t.start <= p.start < t.end for t in doc.tables)
            assert not (refs_start <= p.start < doc.references[-1].end)


def test_plain_abstract():
    text = "A small title\n\nWe measured things. They were 4.5 mg vs. 3 mg in et al. style. Done."
    doc = parse_text(text, "x")
    assert doc.title == "A small title"
    assert [s.title for s in doc.sections] == ["Abstract"]
    assert [p.kind for p in doc.paragraphs] == ["heading", "paragraph"]
    one_block = parse_text("Title line\nBody sentence one. Body two.", "y")
    assert one_block.title == "Title line" and one_block.paragraphs[-1].kind == "paragraph"


def test_markdown_headings(tmp_path):
    md = tmp_path / "Notes File.md"
    md.write_bytes(b"# Review title\r\n\r\nIntro text here.\r\n## Methods\r\nWe did it.\r\n\r\n## Results\r\n\r\nIt worked.\r\n")
    doc = parse_document(md)
    assert doc.doc_id == "notes-file" and doc.kind == "md" and "\r" not in doc.text
    assert doc.title == "Review title"
    assert [s.title for s in doc.sections] == ["Abstract", "Methods", "Results"]
    assert [s.level for s in doc.sections[1:]] == [2, 2]


def test_page_break_fragment_is_not_a_heading():
    text = "Title\n\nFirst body paragraph ends here.\n\nRadiation can also be\n\nused after relapse.\n\nMethods\n\nWe did it."
    doc = parse_text(text, "frag")
    assert [s.title for s in doc.sections] == ["Abstract", "Methods"]
    merged = next(p for p in doc.paragraphs if doc.text[p.start :].startswith("Radiation"))
    assert doc.text[merged.start : merged.end] == "Radiation can also be\n\nused after relapse."


def test_wrapped_lines_and_lists_in_one_block():
    text = "Title\n\nA paragraph wrapped over\n2. lines stays one paragraph.\n\nKey points\n\n- first point\ncontinued\n- second point"
    doc = parse_text(text, "wrap")
    kinds = [(p.kind, doc.text[p.start : p.end]) for p in doc.paragraphs]
    assert ("paragraph", "A paragraph wrapped over\n2. lines stays one paragraph.") in kinds
    assert ("list_item", "- first point\ncontinued") in kinds and ("list_item", "- second point") in kinds
