"""Tables of the review: columns, blocks, cells, citation and footnote markers."""

from __future__ import annotations

import pytest

from citeqa.ingest.pipeline import parse_document
from citeqa.ingest.tables import CAPTION_RE, find_tables


@pytest.fixture(scope="module")
def doc(review_path):
    return parse_document(review_path)


def _table(doc, label):
    return next(t for t in doc.tables if t.label == label)


def _row(table, label, block=None):
    return next(r for r in table.rows if r.label.value == label and (block is None or r.block == block))


def _cell(table, row, column):
    names = [c.value for c in table.columns[1:]]
    return row.cells[names.index(column)]


def test_three_tables_with_titles(doc):
    assert [t.label for t in doc.tables] == ["Table 1", "Table 2", "Table 3"]
    assert _table(doc, "Table 2").title == "Emerging bispecific antibodies"
    for t in doc.tables:
        assert doc.text[t.caption_start : t.caption_end].startswith(t.label)


def test_table2_blocks_and_post_car_t_cr_row(doc):
    t2 = _table(doc, "Table 2")
    assert t2.blocks == ["Overall cohort", "Post-CAR T-cell cohort"]
    row = _row(t2, "CR, %", "Post-CAR T-cell cohort")
    assert [c.value for c in row.cells] == ["34", "35", "26", "24"]
    overall = _row(t2, "CR, %", "Overall cohort")
    assert [c.value for c in overall.cells] == ["39", "39", "19.4", "24"]
    assert len(t2.rows) == 10


def test_header_cells_carry_references(doc):
    t2 = _table(doc, "Table 2")
    assert [c.value for c in t2.columns] == ["Characteristic", "Epcoritamab", "Glofitamab", "Mosunetuzumab", "Odronebamab"]
    assert [c.references for c in t2.columns[1:]] == [[21], [20], [23], [22]]


def test_table1_cells(doc):
    t1 = _table(doc, "Table 1")
    post = _row(t1, "ORR post-CART, %")
    cell = _cell(t1, post, "Tafasitamab + lenalidomide")
    assert cell.value == "36 (n = 42)"
    assert cell.references == [15]
    assert cell.text == "36 (n = 42) ¹⁵"
    assert doc.text[cell.start : cell.end] == cell.text
    assert _cell(t1, post, "Selinexor").value == "—"
    trial = _row(t1, "Trial name")
    assert [c.value for c in trial.cells] == ["L-MIND", "LOTIS-2", "R-Benda-Pola", "SADAL"]
    assert [c.references for c in trial.cells] == [[13], [16], [17], [19]]
    assert t1.blocks == []


def test_not_reported_cells(doc):
    t2 = _table(doc, "Table 2")
    dor = _row(t2, "DOR (mos)", "Post-CAR T-cell cohort")
    assert [c.value for c in dor.cells] == ["9.7", "Not reported", "Not reported", "Not reached"]


def test_footnotes(doc):
    t2 = _table(doc, "Table 2")
    sample = _row(t2, "Sample size", "Overall cohort")
    odro = _cell(t2, sample, "Odronebamab")
    assert (odro.text, odro.value, odro.footnotes) == ("49*", "49", ["*"])
    assert _cell(t2, sample, "Epcoritamab").footnotes == []
    (note,) = t2.footnotes
    assert note.marker == "*"
    assert note.text.startswith("*Responses reported are for patients with DLBCL without prior CAR T-cell therapy")
    t1 = _table(doc, "Table 1")
    (abbrev,) = t1.footnotes
    assert abbrev.marker is None and abbrev.text.startswith("Benda, bendamustine; DOR, duration of response")


def test_table3_rows_are_trials(doc):
    t3 = _table(doc, "Table 3")
    assert [c.value for c in t3.columns] == ["Trial", "Therapy", "Clinical trial info"]
    antler = _row(t3, "ANTLER CB-010")
    assert [c.value for c in antler.cells] == ["CRISPR edited CD19 allo CAR", "NCT 04637763"]
    assert len(t3.rows) == 10 and t3.footnotes == []


def test_every_cell_offset_is_verbatim(doc):
    for t in doc.tables:
        for row in t.rows:
            for cell in [row.label, *row.cells]:
                assert doc.text[cell.start : cell.end] == cell.text
            assert row.start <= row.label.start and row.cells[-1].end <= row.end
            assert len(row.cells) <= len(t.columns) - 1


def test_space_separated_table_with_gap_and_block():
    text = (
        "Table 4. Outcomes by arm\n\n"
        "Measure       Arm A ¹      Arm B ²     Arm C\n"
        "Relapsed\n"
        "ORR, %        40                       22\n"
        "CR, %         20           10          9†\n\n"
        "†Investigator assessed.\n\nThe text goes on.\n"
    )
    (t,) = find_tables(text)
    assert t.blocks == ["Relapsed"]
    orr, cr = t.rows
    assert [c.value for c in orr.cells] == ["40", "", "22"]
    assert [c.value for c in cr.cells] == ["20", "10", "9"] and cr.cells[2].footnotes == ["†"]
    assert t.columns[1].references == [1]
    assert [f.marker for f in t.footnotes] == ["†"]
    assert "goes on" not in text[t.start : t.end]


CONTINUED = """Table 2. Outcomes by centre

Centre\tPatients\tEvents
North\t120\t14
South\t98\t9

The text goes on between the two parts of the table.

Table 2 (continued)

West\t77\t8

Table 3 Adverse events

Event\tGrade 1\tGrade 3
Rash\t12\t1

Table 3 (continued)

Event\tGrade 1\tGrade 3
Fever\t7\t2
"""


def test_a_continued_table_goes_on_under_its_first_part_header():
    first, cont, other, repeated = find_tables(CONTINUED)
    assert first.continuation_of is None and cont.continuation_of == first.start
    # Printed without its header, the continued part's first line is a row, under the header.
    assert [c.value for c in cont.columns] == ["Centre", "Patients", "Events"]
    assert [[r.label.value] + [c.value for c in r.cells] for r in cont.rows] == [["West", "77", "8"]]
    # A continued part that repeats the header keeps it, and its rows.
    assert repeated.continuation_of == other.start
    assert [c.value for c in repeated.columns] == ["Event", "Grade 1", "Grade 3"]
    assert [[r.label.value] + [c.value for c in r.cells] for r in repeated.rows] == [["Fever", "7", "2"]]
    for table in (first, cont, other, repeated):
        for row in table.rows:
            assert CONTINUED[row.label.start : row.label.end] == row.label.text


def test_a_line_that_names_a_table_in_a_sentence_is_not_a_caption():
    text = "A\nTable 1 boxhead was updated in the current version.\n\nTable 1 shows the outcomes\n"
    assert find_tables(text) == []
    assert not CAPTION_RE.match("Table 1 boxhead was updated") and not CAPTION_RE.match("Table 1 shows the outcomes")
    assert CAPTION_RE.match("Table 1. Outcomes") and CAPTION_RE.match("TABLE 2 Comparison of KD")
    assert CAPTION_RE.match("Table 1 | Brain demographics") and CAPTION_RE.match("Table 2 (continued)")
