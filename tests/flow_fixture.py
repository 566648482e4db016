"""A three-page, two-column article as a PDF (reportlab) whose running text flows past the page
furniture of real papers:

* page 1's last paragraph stops mid-sentence above a publication-history box set small at the
  foot of the column ("Received: …", "Published: …", "Editor: …", as JCTC and other ACS
  journals print it) and goes on at the top of page 2;
* page 2 is a manuscript with line numbers in the margin, and a paragraph set justified with
  word spaces stretched wider than a table's cell gap (as bioRxiv preprints and old journals
  set narrow columns), one of them after a sentence's end wider still;
* list items whose bullet stands a wide gap (wider than a table's cell gap) before the text;
* a captioned table whose header row is six lower-case words at column positions, and one
  set well below its caption with its header wrapped over two lines, and on page 3 — a page
  of few lines, still numbered — one whose header lines each have a first cell.

Every word is placed explicitly so the test knows exactly what the source says.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from journal_fixture import BOLD, FONT, _register

SIZE, LEADING = 9.0, 11.5
LEFT, GUTTER, WIDTH = 54.0, 20.0, 242.0
TITLE = "Symmetric dynamics of particles in a periodic box"
INTRO = [
    "Molecular dynamics moves particles under a force",
    "field, and many systems of interest are symmetric:",
    "crystals, self-assembled materials and proteins",
    "that form rings of identical subunits in solution.",
    "Constraining the dynamics to keep a symmetry",
    "reduces the cost of a simulation and removes the",
    "noise of independent copies of the same subunit.",
]
BEFORE_BREAK = [
    "Consider the dynamics of identical particles that",
    "should stay symmetric at all times. Symmetry is a",
    "property of the positions and of a group of",
]
BOX = ["Received: April 21, 2022", "Published: June 14, 2022", "Editor: Ann Example"]
AFTER_BREAK = [
    "transformations, like mirrors along the x axis, and",
    "we apply each element of the group to every particle.",
]
# List items, each wrapped over two lines with a hanging indent, a wide gap after the bullet.
BULLETS = [
    ["Symmetric runs were three times faster than", "the unconstrained runs of the same ring."],
    ["The ring stayed closed in every symmetric", "run, and in half of the controls."],
]
BULLET_INDENT = 16.0
# One printed line each; the spaces between words are stretched so the line fills the column.
JUSTIFIED = [
    "The ring was built from twelve copies of the",
    "subunits per run. We then kept the box",
    "and the time step of the earlier runs for",
    "all of the symmetric runs and the controls.",
]
TABLE_CAPTION = "Table 1. Cost of the symmetric runs"
TABLE_ROWS = [
    ["gene", "wild", "mutant", "ratio", "fold", "score"],
    ["abc1", "12", "15", "1.25", "0.3", "7.1"],
    ["xyz2", "20", "18", "0.90", "0.1", "6.4"],
]
TABLE_X = (0, 40, 80, 120, 160, 200)
# Set well below its caption (more than three lines' space), its header wrapped over two lines.
TABLE2_CAPTION = "Table 2. Proto-genes found in the screen"
TABLE2_HEADER = [["Proto-gene", "Start", "Mutation"], ["", "position", "type"]]
TABLE2_ROWS = [["Ara-2_731_SNP", "3041423", "SNP"], ["Ara-3_547_MOB", "3015771", "IS150"], ["Ara+1_94_DEL", "3482398", "25-bp deletion"]]
TABLE2_X = (0, 90, 160)
# Its header wrapped over two lines, each with a first cell.
TABLE3_CAPTION = "Table 3. Data sets of the runs"
TABLE3_HEADER = [["Prediction", "Sequence", "Average"], ["level", "diversity", "length"]]
TABLE3_ROWS = [["per-protein", "mutational", "237.0"], ["per-residue", "diverse", "255.0"]]


def continued_sentence() -> str:
    """The sentence that page 1 leaves unfinished, as it reads across the page break."""
    text = " ".join(BEFORE_BREAK + AFTER_BREAK)
    return text[text.index("Symmetry is") :]


def justified_text() -> str:
    return " ".join(JUSTIFIED)


def _justify(pdf: canvas.Canvas, x: float, y: float, line: str) -> None:
    """Draw ``line`` word by word across the column: equal spaces, 1.5 times as wide after a
    sentence's end."""
    words = line.split()
    ink = sum(pdfmetrics.stringWidth(w, FONT, SIZE) for w in words)
    weights = [1.5 if w.endswith(".") else 1.0 for w in words[:-1]]
    unit = (WIDTH - ink) / sum(weights)
    assert unit > 0.9 * SIZE, "the fixture's spaces must be wider than a table's cell gap"
    pdf.setFont(FONT, SIZE)
    for word, weight in zip(words, weights + [0.0]):
        pdf.drawString(x, y, word)
        x += pdfmetrics.stringWidth(word, FONT, SIZE) + weight * unit


def _lines(pdf: canvas.Canvas, x: float, y: float, lines: list[str], number: int | None = None) -> tuple[float, int | None]:
    pdf.setFont(FONT, SIZE)
    for line in lines:
        pdf.drawString(x, y, line)
        number = _number(pdf, y, number)
        y -= LEADING
    return y, number


def _number(pdf: canvas.Canvas, y: float, number: int | None) -> int | None:
    """A manuscript line number, right-aligned in the left margin."""
    if number is None:
        return None
    pdf.setFont(FONT, 7)
    pdf.drawRightString(LEFT - 14, y, str(number))
    pdf.setFont(FONT, SIZE)
    return number + 1


def make_flow_pdf(out: Path) -> Path:
    """Write the article to ``out`` and return ``out``."""
    _register()
    width, height = letter
    pdf = canvas.Canvas(str(out), pagesize=letter)
    pdf.setFont(BOLD, 15)
    pdf.drawString(LEFT, height - 80, TITLE)
    top = height - 120
    pdf.setFont(BOLD, SIZE + 1.5)
    pdf.drawString(LEFT, top, "Introduction")
    _lines(pdf, LEFT, top - LEADING - 4, INTRO)
    right = LEFT + WIDTH + GUTTER
    _lines(pdf, right, top, INTRO[:4] + ["The same holds for their periodic images."] + BEFORE_BREAK)
    pdf.setFont(FONT, 7)
    for k, line in enumerate(BOX):
        pdf.drawString(right, 150 - 9 * k, line)
    pdf.showPage()
    y, number = _lines(pdf, LEFT, height - 80, AFTER_BREAK, number=1)
    y -= 6
    for line in JUSTIFIED:
        _justify(pdf, LEFT, y, line)
        number = _number(pdf, y, number)
        y -= LEADING
    y, number = _lines(pdf, LEFT, y - 6, INTRO, number)
    for item in BULLETS:
        pdf.setFont(FONT, SIZE)
        pdf.drawString(LEFT, y - 4, "•")
        for k, line in enumerate(item):
            pdf.drawString(LEFT + BULLET_INDENT, y - 4, line)
            number = _number(pdf, y - 4, number)
            y -= LEADING
    y = height - 80
    pdf.setFont(BOLD, SIZE)
    pdf.drawString(right, y, TABLE_CAPTION)
    y -= LEADING + 4
    pdf.setFont(FONT, SIZE - 1)
    for row in TABLE_ROWS:
        for x, cell in zip(TABLE_X, row):
            pdf.drawString(right + x, y, cell)
        y -= LEADING
    y -= 30
    pdf.setFont(BOLD, SIZE)
    pdf.drawString(right, y, TABLE2_CAPTION)
    y -= 4.2 * SIZE
    pdf.setFont(FONT, SIZE - 1)
    for row in TABLE2_HEADER + TABLE2_ROWS:
        for x, cell in zip(TABLE2_X, row):
            pdf.drawString(right + x, y, cell)
        y -= LEADING
    # Page 3: few lines, the manuscript's line numbers on its text lines only.
    pdf.showPage()
    y = height - 80
    pdf.setFont(FONT, SIZE)
    pdf.drawString(LEFT, y, "The data sets of the runs are listed in Table 3.")
    number = _number(pdf, y, number)
    y -= 3 * LEADING
    pdf.setFont(BOLD, SIZE)
    pdf.drawString(LEFT, y, TABLE3_CAPTION)
    number = _number(pdf, y, number)
    y -= LEADING + 4
    pdf.setFont(FONT, SIZE - 1)
    for row in TABLE3_HEADER + TABLE3_ROWS:
        for x, cell in zip(TABLE2_X, row):
            pdf.drawString(LEFT + x, y, cell)
        y -= LEADING
    for _ in range(2):
        y -= 2 * LEADING
        number = _number(pdf, y, number)
    pdf.save()
    return out
