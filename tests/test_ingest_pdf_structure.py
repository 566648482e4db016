"""The structure of a PDF: headings from the PDF's styles (sizes, weights, typefaces, numbering,
run-ins), front matter kept out of the sections, and title, authors, journal, year and DOI read
from the first page — on a generated article with the cues of real papers, and on small known
data for the rules behind them."""

from __future__ import annotations

import pytest

from article_fixture import AUTHORS, CITATION, DOI, FIGURE_LABELS, SUBSECTIONS, TITLE, TOP_LEVEL, make_article_pdf
from citeqa.ingest.lines import split_lines
from citeqa.ingest.pdf_front import _citation, _names
from citeqa.ingest.pipeline import parse_document
from citeqa.ingest.references import find_headless_list, parse_references
from citeqa.ingest.section_names import name_key


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    return parse_document(make_article_pdf(tmp_path_factory.mktemp("article") / "article.pdf"))


def _section(doc, title):
    return next(s for s in doc.sections if s.title == title)


def test_top_level_sections_from_styles(article):
    # Larger bold sans headings, one wrapped onto a line that starts in lower case; the unheaded
    # abstract (set in bold) and the unheaded introduction after it.
    assert [s.title for s in article.sections if s.level == 1] == TOP_LEVEL


def test_subsections_numbered_run_in_and_typeface(article):
    levels = {s.title: s.level for s in article.sections}
    assert {title: levels.get(title) for title in SUBSECTIONS} == SUBSECTIONS
    # A run-in heading keeps its words in the text; its paragraph is in its section.
    setting = _section(article, "Setting")
    assert article.text[setting.start :].startswith("Setting.")
    paragraph = next(p for p in article.paragraphs if article.text[p.start : p.end].startswith("The trial took place"))
    assert paragraph.section == "Setting" and "about 400,000 people" in article.text[paragraph.start : paragraph.end]


def test_front_matter_and_figure_labels_are_not_sections(article):
    titles = {s.title for s in article.sections}
    for line in ("RESEARCH ARTICLE", "Open Access", TITLE, "Ann Author", "Correspondence"):
        assert not any(line in title for title in titles), line
    assert not titles & set(FIGURE_LABELS)  # panel letters, a figure's title and its axis labels
    abstract, main = _section(article, "Abstract"), _section(article, "Main text")
    assert article.text[abstract.start : abstract.end].startswith("Heart failure limits the daily life")
    assert article.text[main.start :].startswith("Exercise training is recommended")
    # Front matter belongs to no section, and its affiliation marks are not citations.
    assert all(c.start >= abstract.start for c in article.citations)
    assert article.paragraphs[0].section is None


def test_title_authors_journal_year_doi(article):
    assert article.title == TITLE
    assert article.authors == AUTHORS
    assert (article.journal, article.year, article.doi) == ("Test Journal of Medicine", 2021, DOI)


def test_first_page_running_header_variant_removed(article):
    # Pages 2 and 3 carry "<citation>    Page N of 3"; the first page the citation alone.
    assert CITATION not in article.text and "Page 2 of 3" not in article.text


def test_references_after_back_matter(article):
    assert [r.number for r in article.references] == [1, 2, 3]
    assert _section(article, "Funding").level > 1  # a run-in under the discussion


# --- the rules on small known data ----------------------------------------------------


def test_names_of_bylines():
    assert _names("Ann Author, Ben Writer and Cara M. Scholar") == ["Ann Author", "Ben Writer", "Cara M. Scholar"]
    assert _names("FREDERICK SCHEETZ JONES AND PETER LLOYD JONES") == ["FREDERICK SCHEETZ JONES", "PETER LLOYD JONES"]
    assert _names("Paulino Ramirez, PhD, Wenyan Sun, PhD, Bess Frost") == ["Paulino Ramirez", "Wenyan Sun", "Bess Frost"]
    assert _names("Md. Hassan uz-Zaman, Simon D’Alton") == ["Md. Hassan uz-Zaman", "Simon D’Alton"]
    assert _names("Department of Cardiology, University Hospital, Springfield, USA") == []
    assert _names("The trial was randomised and open, with blinded assessment") == []


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ("Diabetologia (2024) 67:940–951", ("Diabetologia", 2024)),
        ("Agyeman-Duah et al. BMC Health Services Research 2014, 14:1", ("BMC Health Services Research", 2014)),
        ("FEBS Letters 589 (2015) 3–14", ("FEBS Letters", 2015)),
        ("2 GENETICS, 2021, 219(1), iyab101", ("GENETICS", 2021)),
        ("Journal of Cell Science 115, 827-838 (2002) © The Company of Biologists Ltd", ("Journal of Cell Science", 2002)),
        ("Nature Communications | (2024) 15:1181", ("Nature Communications", 2024)),
        ("Cite This: J. Chem. Theory Comput. 2022, 18, 4077−4081", ("J. Chem. Theory Comput", 2022)),
        ("bioRxiv preprint doi: https://doi.org/10.1101/2022.03.19.484946; this version posted March 21, 2022.", ("bioRxiv", 2022)),
        ("Webb et al. (2017), PeerJ Comput. Sci., DOI 10.7717/peerj-cs.118", ("PeerJ Comput. Sci", 2017)),
        ("pression. Dev Dyn 2000;218:235–259.", None),  # the end of a sentence, not a citation line
        ("recognized therapeutic avenue (Folkman 1971), and many", None),
        ("Received: 1 April 2023", None),
    ],
)
def test_journal_citation_lines(line, found):
    assert _citation(line) == found


def test_reference_list_without_heading():
    body = ["Results were clear (1).", *["Running text line." for _ in range(10)]]
    entries = [f"{n}. Author{n} A. A title of the study. J Test. 20{10 + n};{n}:1-9." for n in range(1, 7)]
    texts = [*body, *entries]
    assert find_headless_list(texts) == len(body)
    assert find_headless_list([*body, *entries[:3]]) is None  # too short a run to be a list


def test_reference_list_ends_at_back_matter():
    text = (
        "References\n\n1. Smith J. Trial one. Nat. Med. 8, 1288–1295 (2002).\n"
        "2. Lee K. Trial two. Nat. Med. 9, 12–15 (2003).\n\nAcknowledgements\n\nWe thank the patients.\n"
    )
    refs = parse_references(text, split_lines(text))
    assert [r.number for r in refs] == [1, 2]
    assert "Acknowledgements" not in refs[-1].text and "thank" not in refs[-1].text


def test_section_names_compare_without_numbering_and_case():
    assert name_key("2. MATERIALS AND METHODS") == name_key("Materials and methods") == "materialsandmethods"
    assert name_key("IV. Discussion") == "discussion"
