"""A small two-column journal article as a PDF (reportlab), with the hard cases of real papers:

two columns read top to bottom, a running header and a page-number footer on every page, a large
bold title, bold section headings, words hyphenated at line ends (drawn as ``carci-`` / ``noma``),
an ``ﬁ`` ligature glyph, superscript citation markers set small and raised, numbers with
thousands separators, decimals, ranges, ± and CIs, a captioned table with a header row, block
rows and a footnote, and a numbered reference list.

Every line is placed explicitly so the test knows exactly what the source says.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FONT_PATHS = {FONT: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", BOLD: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"}
TITLE = "Outcomes of a randomised trial of exercise in heart failure"
HEADER = "J Test Med 2024;12:101–108"
SIZE, LEADING = 8.5, 11.0
LEFT, GUTTER, WIDTH = 54.0, 20.0, 242.0

# Column text: each item is one printed line; "^" marks a superscript run, "|" ends a paragraph.
PAGE1_LEFT = [
    ("h", "Introduction"),
    "Heart failure affects 2,462 participants in",
    "our registry, as reported before.^12^ Exercise",
    "programmes reduce symptoms of carci-",
    "noma survivors and of heart patients.^3–5^",
    "The effect was signiﬁcant in women and",
    "men alike.|",
    "Mean age was 67.4 ± 8.2 years; the hazard",
    "ratio was 0.72 (95% CI 0.61–0.85), and",
    "follow-up lasted 12–18 months in all of",
    "the centres that took part in the trial.|",
    ("h", "Methods"),
    "We randomly assigned patients to super-",
    "vised exercise or usual care. The primary",
    "outcome was the six-minute walk distance,",
    "measured at baseline and at 12 months.^6^|",
]
PAGE1_RIGHT = [
    "Secondary outcomes included quality of",
    "life and hospital admissions for any cause",
    "during the whole period of follow-up.^7,8^|",
    ("h", "Results"),
    "The walk distance improved by 41 m in the",
    "exercise group and by 6 m in the usual-care",
    "group (Table 1). Admissions fell from 31%",
    "to 19% in the exercise group, a clear and",
    "clinically relevant difference between the",
    "two groups of the trial.^9^|",
]
TABLE_CAPTION = "Table 1. Outcomes at 12 months"
TABLE_ROWS = [
    ["Outcome", "Exercise", "Usual care"],
    ["Walk distance, m", "41", "6"],
    ["Admissions, %", "19", "31"],
    ["Women"],
    ["Walk distance, m", "38", "5"],
]
TABLE_FOOTNOTE = "* Mean change from baseline."
PAGE2_LEFT = [
    ("h", "Discussion"),
    "Supervised exercise improved the walk dis-",
    "tance and reduced admissions, in line with",
    "earlier trials in heart failure.^10,11^ The",
    "benefit was seen in women as well.|",
    ("h", "References"),
]
REFERENCES = [
    "1. Smith J, Lee K. Heart failure registries. Heart J. 2019;10(2):1-9.",
    "2. Brown A. Exercise in chronic disease. Lancet. 2018;391:100-108.",
    "3. Green P. Walk tests. Chest. 2017;151(3):20-29.",
    "4. White R. Rehabilitation. BMJ. 2016;352:i100.",
    "5. Black S. Survivorship. JAMA. 2015;313(9):900-909.",
    "6. Gray T. Six-minute walk. Thorax. 2014;69:30-39.",
    "7. Young U. Quality of life. Qual Life Res. 2013;22:5-15.",
    "8. King V. Admissions. Circulation. 2012;125:10-20.",
    "9. Wood W. Trial design. Trials. 2011;12:1-8.",
    "10. Hill X. Earlier trials. Eur Heart J. 2010;31:40-49.",
    "11. Lake Y. Meta-analysis. Heart. 2009;95:50-59.",
    "12. Moss Z. Registry methods. Epidemiology. 2008;19:60-69.",
]


def _register() -> None:
    for name, path in FONT_PATHS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path, asciiReadable=False))


def _draw_line(pdf: canvas.Canvas, x: float, y: float, text: str) -> None:
    """Draw one line; text between ``^`` marks is a raised, smaller superscript."""
    for k, part in enumerate(text.split("^")):
        if not part:
            continue
        superscript = k % 2 == 1
        size = SIZE * 0.6 if superscript else SIZE
        pdf.setFont(FONT, size)
        pdf.drawString(x, y + (SIZE * 0.35 if superscript else 0), part)
        x += pdfmetrics.stringWidth(part, FONT, size)


def _column(pdf: canvas.Canvas, x: float, y: float, items: list) -> float:
    for item in items:
        if isinstance(item, tuple):
            y -= 4
            pdf.setFont(BOLD, SIZE + 1.5)
            pdf.drawString(x, y, item[1])
            y -= LEADING + 2
            continue
        text = item.rstrip("|")
        _draw_line(pdf, x, y, text)
        y -= LEADING + (4 if item.endswith("|") else 0)
    return y


def _furniture(pdf: canvas.Canvas, page: int, width: float, height: float) -> None:
    pdf.setFont(FONT, 7)
    pdf.drawString(LEFT, height - 36, HEADER)
    pdf.drawRightString(width - LEFT, height - 36, "Original article")
    pdf.drawCentredString(width / 2, 30, str(page))


def make_journal_pdf(out: Path) -> Path:
    """Write the article to ``out`` and return ``out``."""
    _register()
    width, height = letter
    pdf = canvas.Canvas(str(out), pagesize=letter)
    pdf.setTitle("untitled.docx")  # junk metadata: the title must come from the first page
    _furniture(pdf, 1, width, height)
    pdf.setFont(BOLD, 16)
    pdf.drawString(LEFT, height - 80, TITLE)
    pdf.setFont(FONT, 9)
    pdf.drawString(LEFT, height - 98, "Ann Author, Ben Writer and Cara Scholar")
    top = height - 130
    _column(pdf, LEFT, top, PAGE1_LEFT)
    y = _column(pdf, LEFT + WIDTH + GUTTER, top, PAGE1_RIGHT)
    # The table, in the right column under the text.
    y -= 10
    x = LEFT + WIDTH + GUTTER
    pdf.setFont(BOLD, SIZE)
    pdf.drawString(x, y, TABLE_CAPTION)
    y -= LEADING + 4
    for row in TABLE_ROWS:
        pdf.setFont(FONT, SIZE - 1)
        for k, cell in enumerate(row):
            pdf.drawString(x + (0, 110, 170)[k], y, cell)
        y -= LEADING
    pdf.setFont(FONT, SIZE - 2)
    pdf.drawString(x, y - 4, TABLE_FOOTNOTE)
    pdf.showPage()
    _furniture(pdf, 2, width, height)
    y = _column(pdf, LEFT, height - 80, PAGE2_LEFT)
    for ref in REFERENCES:
        pdf.setFont(FONT, SIZE - 1)
        pdf.drawString(LEFT, y, ref)
        y -= LEADING - 1
    pdf.save()
    return out
