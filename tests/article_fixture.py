"""A three-page article as a PDF (reportlab) with the structure cues of real papers.

Front matter: a citation line at the top of the first page (its running header without the page
part), a banner ("RESEARCH ARTICLE" / "Open Access"), a two-line title, a byline with raised
affiliation marks and an asterisk, affiliation lines. Body: an unheaded abstract in bold, an
unheaded introduction, headings set larger and bold in another typeface ("1. Methods"), a
numbered subheading set like the text ("1.1 Study design"), a run-in heading in bold at a
paragraph's start ("Setting. The trial …"), a subheading in another typeface only ("Walk
distance and admissions"), a heading wrapped onto a second line that starts in lower case, a
figure whose panel letters and labels are bold or large, run-in back-matter headings and a
numbered reference list. Every line is placed explicitly, so the test knows what the source says.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

_DEJAVU = "/usr/share/fonts/truetype/dejavu/"
SERIF, SERIF_BOLD, SANS, SANS_BOLD = "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSans", "DejaVuSans-Bold"
FONTS = {SERIF: "DejaVuSerif.ttf", SERIF_BOLD: "DejaVuSerif-Bold.ttf", SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf"}
SIZE, LEADING, LEFT = 9.0, 12.0, 60.0

CITATION = "Test Journal of Medicine (2021) 12:345–356"
DOI = "10.5555/tjm.2021.0345"
TITLE = "Exercise training after heart failure: a randomised trial in three regional hospitals"
AUTHORS = ["Ann Author", "Ben Writer", "Cara M. Scholar", "Dan O’Neill"]
TOP_LEVEL = ["Abstract", "Main text", "1. Methods", "2. Results", "3. Discussion of the effects of supervised exercise on walk distance", "References"]
SUBSECTIONS = {"1.1 Study design": 2, "Setting": 3, "Walk distance and admissions": 2}
FIGURE_LABELS = ["A", "B", "Primary outcome", "Walk distance (m)", "Months"]

_BODY = "body"
# (kind, text): kinds are body lines (a paragraph ends with "|"), headings of several styles,
# run-in headings ("runin": bold words, then body text on the same line), the figure, a page break.
PAGE1 = [
    ("abstract", "Heart failure limits the daily life of many older patients. We randomly assigned 240"),
    ("abstract", "patients to supervised exercise training or usual care in three regional hospitals and"),
    ("abstract", "measured walk distance and admissions after twelve months of follow-up in both groups.|"),
    (_BODY, "Exercise training is recommended for patients with stable heart failure, yet few regional"),
    (_BODY, "hospitals offer it, and the benefit outside specialist centres is not known. We therefore"),
    (_BODY, "tested a programme that regional teams can run with the staff they already have.|"),
    ("h1", "1. Methods"),
    ("numbered", "1.1 Study design"),
    (_BODY, "The trial was randomised and open, with blinded assessment of the outcomes. Patients"),
    (_BODY, "gave written consent, and the regional ethics committee approved the protocol.|"),
    ("runin", ("Setting.", "The trial took place in three hospitals that serve a rural population of")),
    (_BODY, "about 400,000 people, each with a cardiology outpatient clinic.|"),
    ("h1", "2. Results"),
    (_BODY, "Of the 240 patients, 236 completed the follow-up; their mean age was 71.2 years.|"),
    ("sans", "Walk distance and admissions"),
    (_BODY, "The walk distance improved by 41 m with exercise and by 6 m with usual care, and"),
    (_BODY, "admissions fell from 31% to 19% in the exercise group over the twelve months.|"),
]
PAGE2 = [
    ("figure", None),
    (_BODY, "The benefit was similar in women and men, and in patients older or younger than 70.|"),
    ("h1", "3. Discussion of the effects of supervised exercise on"),
    ("h1", "walk distance"),
    (_BODY, "Supervised exercise run by regional teams improved walk distance and reduced hospital"),
    (_BODY, "admissions, in line with trials in specialist centres.|"),
    ("runin", ("Acknowledgements", "We thank the patients and the staff of the three hospitals.")),
    ("gap", ""),
    ("runin", ("Funding", "The trial was funded by the Regional Health Research Council.")),
]
PAGE3 = [
    ("h1", "References"),
    ("ref", "1. Smith J, Lee K. Exercise in heart failure. Heart J. 2019;10(2):1-9."),
    ("ref", "2. Brown A. Rehabilitation in rural areas. Lancet. 2018;391:100-108."),
    ("ref", "3. Green P. Walk tests in older patients. Chest. 2017;151(3):20-29."),
]


def _register() -> None:
    for name, file in FONTS.items():
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, _DEJAVU + file, asciiReadable=False))


def _text(pdf: canvas.Canvas, x: float, y: float, text: str, font: str, size: float) -> float:
    pdf.setFont(font, size)
    pdf.drawString(x, y, text)
    return x + pdfmetrics.stringWidth(text, font, size)


def _header(pdf: canvas.Canvas, page: int, pages: int, height: float) -> None:
    suffix = "" if page == 1 else f"    Page {page} of {pages}"
    _text(pdf, LEFT, height - 36, CITATION + suffix, SERIF, 7)


def _front(pdf: canvas.Canvas, height: float) -> float:
    _text(pdf, LEFT, height - 48, f"https://doi.org/{DOI}", SERIF, 7)
    _text(pdf, LEFT, height - 74, "RESEARCH ARTICLE", SANS_BOLD, 11)
    _text(pdf, 470, height - 74, "Open Access", SANS_BOLD, 11)
    _text(pdf, LEFT, height - 104, "Exercise training after heart failure: a randomised trial in", SERIF_BOLD, 16)
    _text(pdf, LEFT, height - 124, "three regional hospitals", SERIF_BOLD, 16)
    y = height - 146
    x = LEFT
    for k, (name, marks) in enumerate(zip(AUTHORS, ["1*", "2", "1,3", "2"])):
        x = _text(pdf, x, y, name, SERIF, 10)
        x = _text(pdf, x, y + 4, marks, SERIF, 6)
        sep = ", " if k < len(AUTHORS) - 2 else (" and " if k == len(AUTHORS) - 2 else "")
        x = _text(pdf, x, y, sep, SERIF, 10)
    y -= 16
    for line in (
        "¹Department of Cardiology, University Hospital, Springfield, USA",
        "²School of Medicine, State University, Shelbyville, USA",
        "³Institute of Health Research, Capital City, USA",
        "*Correspondence: ann.author@example.org",
    ):
        _text(pdf, LEFT, y, line, SERIF, 7)
        y -= 9
    return y - 14


def _figure(pdf: canvas.Canvas, y: float) -> float:
    """Panel letters, a figure title and axis labels drawn in the figure, then its caption."""
    pdf.rect(LEFT + 20, y - 110, 200, 100)
    pdf.rect(LEFT + 260, y - 110, 200, 100)
    _text(pdf, LEFT, y - 8, "A", SANS_BOLD, 10)
    _text(pdf, LEFT + 240, y - 8, "B", SANS_BOLD, 10)
    _text(pdf, LEFT + 70, y - 24, "Primary outcome", SANS_BOLD, 11)
    for x0 in (LEFT + 30, LEFT + 270):
        _text(pdf, x0, y - 60, "Walk distance (m)", SANS, 6)
        _text(pdf, x0 + 80, y - 104, "Months", SANS, 6)
        _text(pdf, x0 + 150, y - 104, "12", SANS, 6)
    _text(pdf, LEFT, y - 126, "Figure 1. Walk distance by group over the twelve months of follow-up.", SERIF, 8)
    return y - 148


def _items(pdf: canvas.Canvas, y: float, items: list) -> float:
    for kind, item in items:
        if kind == "figure":
            y = _figure(pdf, y)
            continue
        if kind == "gap":
            y -= 4
            continue
        if kind in ("h1", "numbered", "sans"):
            y -= 6 if kind == "h1" and not item[0].islower() else 0
            font, size = {"h1": (SANS_BOLD, 11), "numbered": (SERIF, SIZE), "sans": (SANS, SIZE)}[kind]
            _text(pdf, LEFT, y, item, font, size)
            y -= LEADING + (2 if kind == "h1" else 0)
            continue
        if kind == "runin":
            head, rest = item
            x = _text(pdf, LEFT, y, head, SANS_BOLD, SIZE)
            _text(pdf, x + 4, y, rest, SERIF, SIZE)
            y -= LEADING
            continue
        font = SERIF_BOLD if kind == "abstract" else SERIF
        _text(pdf, LEFT, y, item.rstrip("|"), font, SIZE if kind != "ref" else 8)
        y -= LEADING + (5 if item.endswith("|") else 0)
    return y


def make_article_pdf(out: Path) -> Path:
    """Write the article to ``out`` and return ``out``."""
    _register()
    width, height = letter
    pdf = canvas.Canvas(str(out), pagesize=letter)
    pdf.setTitle("manuscript.docx")  # junk metadata
    for number, items in enumerate((PAGE1, PAGE2, PAGE3), start=1):
        _header(pdf, number, 3, height)
        y = _front(pdf, height) if number == 1 else height - 80
        _items(pdf, y, items)
        pdf.setFont(SERIF, 8)
        pdf.drawCentredString(width / 2, 30, str(number))
        pdf.showPage()
    pdf.save()
    return out
