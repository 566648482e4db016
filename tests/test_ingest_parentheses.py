"""Parenthesised reference numbers "(12, 13)": citations only in a document that cites so, never a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from citeqa.ingest.markers import link_citations
from citeqa.ingest.models import CitationKind, Document, Reference
from citeqa.ingest.parentheses import cites_here, group_numbers, parenthesised_citations

# Running text citing references 1–12 in order of first appearance, as Science and PNAS print it.
CITING = (
    "Adipokines regulate energy balance in many tissues (1). The hormone is induced upon adipocyte "
    "differentiation in culture (2, 3), and its levels fall in obese mice (4–6) and in humans (7). "
    "Yamauchi et al. (8) showed that the protein lowers glucose, as reviewed in (9). "
    "Mutations in the collagen domain impair multimerization and secretion (10, 11), and weight loss "
    "raises the levels again in patients and mice (2, 12). "
)

# A longer body citing 13–40 as well: a list of 100 entries, of which these cite a good share.
BODY = CITING + "".join(
    f"The pathway was studied in model organism number {k} under several growth conditions ({k}). "
    for k in range(13, 41)
)


def _links(text: str, limit: int = 100, **kwargs) -> dict[str, list[int]]:
    return {text[c.start : c.end]: c.numbers for c in parenthesised_citations(text, limit, **kwargs)}


def _linked_after(text: str, offset: int, limit: int = 100) -> list[str]:
    """The groups linked after ``offset``; fails unless the body before it is linked (the document's
    style is recognised, so a value after it is refused by the rules, not by chance)."""
    found = parenthesised_citations(text, limit)
    assert sum(1 for c in found if c.end <= offset) == 36
    return [text[c.start : c.end] for c in found if c.start >= offset]


def test_citations_of_a_document_that_cites_with_parentheses():
    found = parenthesised_citations(CITING, 12)
    assert [CITING[c.start : c.end] for c in found] == [
        "(1)", "(2, 3)", "(4–6)", "(7)", "(8)", "(9)", "(10, 11)", "(2, 12)",
    ]
    assert [c.numbers for c in found][:3] == [[1], [2, 3], [4, 5, 6]]
    assert {c.kind for c in found} == {CitationKind.PARENTHESIS}


@pytest.mark.parametrize(
    "value",
    [
        "Patients aged (45) were included in the second cohort of the study.",
        "The cohort was small (n = 12) but the follow-up of the patients was long.",
        "The trial was registered in the national registry of trials (2019) before enrolment.",
        "The difference between the groups was significant (P < 0.05) at the end of the study.",
        "The hazard ratio of the treatment arm was 2.1 (95% CI 1.2–3.4) in the whole cohort.",
        "Responses were seen in most of the treated patients (3 of 4) at the end of the trial.",
        "The median age of the patients was 76.6 years (68–92) at the time of the diagnosis.",
        "The patients were followed for 14 months (8–20) after the transplant in the centre.",
        "Around 1,872 fixed insertions of the first element (1,012) were detected in the samples.",
        "The project reference of the funding council of the government (06) supported this work.",
        "The expression of the gene increased (12)% in the treated cells compared with the controls.",
        "The gene is needed for modification at position 37 in a set (6) of tRNAs in the cells.",
        "The steps of the pipeline include: (1) mapping of the reads, (2) calling of the variants.",
        "The energy of the system is given by Eq (3) for each of the particles in the box.",
    ],
)
def test_values_that_look_like_citations_are_not_linked(value):
    # The value sits in a document that does cite with parentheses (refs 1–100, 1–40 cited): no link.
    assert _linked_after(BODY + value, len(BODY)) == []


def test_a_citation_after_the_body_is_linked():
    # The counterpart of the test above: the same place takes a real citation.
    assert _linked_after(BODY + "The receptor binds the hormone in the liver and muscle (41).", len(BODY)) == ["(41)"]


def test_table_rows_equation_numbers_and_figure_labels_are_not_linked():
    text = (
        BODY
        + "\n\nPatients with a history of the disease in the family\t(12)\t(14)\n"  # a table row: tab-separated cells
        + "\nE = mc² + V\t(3)\n"  # an equation number
        + "\n(11)\n"  # a number alone on its line
        + "\nwMel+ x wMel- (20) wMel+ x wMel+ (19)\n"  # sample sizes among a figure's labels
    )
    assert _linked_after(text, len(BODY)) == []


def test_numbered_items_of_a_list_are_not_citations():
    text = BODY + "Three families take part: the (1) TMEM16 family, (2) XKR family and (3) PLSCR family. "
    text += "The pipeline runs in order (1) mapping all of the reads and (2) calling the variants."
    assert _linked_after(text, len(BODY)) == []


def test_a_group_far_ahead_of_the_order_is_not_linked():
    text = CITING + "The cells were grown in rich medium at a constant rate (30). The result held."
    links = _links(text, 40)  # 12 of 40 references cited in order, then a jump to 30
    assert len(links) == 8 and "(30)" not in links
    # … though a number cited before may be cited again anywhere.
    assert _links(BODY + "It was confirmed in a larger cohort (4).")["(4)"] == [4]


def test_a_document_that_does_not_cite_so_gets_no_parenthesised_citations():
    few = "The dose was lowered in the second week (2) and again in the fourth week (3) of treatment."
    assert parenthesised_citations(few, 12) == []  # too few groups to tell the document's style
    assert parenthesised_citations(CITING, 12, competing=20) == []  # it cites with superscripts
    assert parenthesised_citations(CITING, 5) == []  # numbers beyond its 5 references: not its list


def test_group_numbers():
    assert group_numbers("4, 7–9", 10) == [4, 7, 8, 9]
    assert group_numbers("14,15", 20) == [14, 15]
    for body in ("1,312", "06", "9–7", "3, 2", "5–5", "21", "1–45"):
        assert group_numbers(body, 20) is None, body
    assert group_numbers("1–45", 100) is None  # a range this long is a range of values
    assert group_numbers("1,312", 400) is None and group_numbers("1, 312", 400) == [1, 312]  # a thousands separator


def test_cites_here_reads_the_words_before():
    text = "as shown by Farrow et al. (20) and reviewed in (9) in several strains of the bacterium"
    assert cites_here(text, text.index("(20)"), text.index("(20)") + 4)
    assert cites_here(text, text.index("(9)"), text.index("(9)") + 3)
    text = "the mean (12) and the total (40) of the counts in the whole of the cohort of patients"
    assert not cites_here(text, text.index("(12)"), text.index("(12)") + 4)
    assert not cites_here(text, text.index("(40)"), text.index("(40)") + 4)


def test_link_citations_marks_kind_and_drops_the_superscripts_of_such_a_document():
    affiliation = "Ann Author¹ works at the University of the North in the city of the lake.\n\n"
    text = affiliation + CITING + "\n\nReferences\n\n" + "".join(f"{n}. Author A. Title {n}. J. 2001;1:1.\n" for n in range(1, 13))
    refs_at = text.index("1. Author")
    references = [
        Reference(number=n, text=f"Author A. Title {n}.", start=text.index(f"{n}. Author", refs_at) + len(f"{n}. "),
                  end=text.index("\n", text.index(f"{n}. Author", refs_at)))
        for n in range(1, 13)
    ]
    from citeqa.ingest.markers import find_citations

    doc = Document("d", "d.pdf", "pdf", text, "", references=references, citations=find_citations(text))
    assert [c.kind for c in doc.citations] == [CitationKind.SUPERSCRIPT]
    link_citations(doc)
    assert [c.kind for c in doc.citations] == [CitationKind.PARENTHESIS] * 8
    assert all(text[c.start] == "(" for c in doc.citations)


# --- real PDFs (acceptance) ---------------------------------------------------------

LITQA2 = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "litqa2" / "pdfs"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdfs"


def _parse(path: Path) -> Document:
    if not path.is_file():
        pytest.skip(f"{path} is not here (the real PDFs live in ../shared)")
    from citeqa.ingest.pipeline import parse_document

    return parse_document(path)


@pytest.mark.parametrize("name, first", [
    ("10-1126-science-aaw1219.pdf", ("subcellular spatial resolution (1–3)", [1, 2, 3])),
    ("10-1073-pnas-0403760101.pdf", ("in human (12–14) and mice (15, 16)", [12, 13, 14])),
    ("10-1128-msphere-00109-24.pdf", ("often highly multidrug resistant (2, 3)", [2, 3])),
])
def test_science_and_pnas_citations_are_linked(name, first):
    doc = _parse(LITQA2 / name)
    cited = [c for c in doc.citations if c.kind == CitationKind.PARENTHESIS]
    numbers = {r.number for r in doc.references}
    assert len(cited) >= 30 and all(set(c.numbers) <= numbers for c in cited)
    assert len({n for c in cited for n in c.numbers}) >= 0.8 * len(numbers)
    # No other kind: their superscripts are affiliation marks and exponents.
    assert {c.kind for c in doc.citations} == {CitationKind.PARENTHESIS}
    phrase, expected = first
    at = doc.text.index(phrase) + phrase.index("(")
    assert next(c.numbers for c in cited if c.start == at) == expected


def test_a_document_citing_with_brackets_gets_no_parenthesised_citations():
    doc = _parse(SHARED / "clinsci-ace-inhibitors-2014.pdf")
    kinds = {c.kind for c in doc.citations}
    assert CitationKind.BRACKET in kinds and CitationKind.PARENTHESIS not in kinds


def test_a_reference_list_in_two_columns_with_hanging_numbers_is_read_whole():
    # mSphere sets its list in two columns, the right column's numbers in the gutter: the gutter
    # lies between the columns, not between those numbers and their entries.
    doc = _parse(LITQA2 / "10-1128-msphere-00109-24.pdf")
    assert [r.number for r in doc.references] == list(range(1, 55))
    assert doc.reference(19).text.startswith("Mikheenko A, Prjibelski A")
    assert doc.reference(54).text.startswith("Paul R, Ray J")
