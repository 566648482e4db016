"""A two-page article (reportlab) whose first page carries the furniture of real journals.

Above the title: the journal's masthead in display type, "View Article Online" and a banner.
Under the byline: a "Cite This:" line with the journal, year, volume and pages ("Read Online"
beside it). At the foot of the column: a footnote block in small type opened by a mark
(correspondence, publication history). The body is one column of running text in 9 pt. With
``cover``, a publisher's cover page comes first: an ISSN and homepage line, the title, the
author, "To cite this article: …" and links.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from article_fixture import LEFT, SANS, SANS_BOLD, SERIF, SERIF_BOLD, _register, _text

MASTHEAD = "Journal of Applied Tests"
ONLINE = "View Article Online"
BANNER = "RESEARCH ARTICLE"
TITLE = "Symmetric sampling of molecular crystals under all planar groups"
AUTHORS = ["Ann Author", "Ben Writer"]
CITE = "Cite This: J. Appl. Tests 2022, 18, 4077−4081"
FOOTNOTES = ["*Corresponding author. E-mail: ann.author@example.org", "Received April 21, 2022; published online June 14, 2022."]
ABSTRACT = [
    "ABSTRACT: We derive a formulation of molecular dynamics that generates only symmetric",
    "configurations and implement it for all planar and space groups of crystals.",
]
BODY = [
    "Molecular dynamics has long been proposed as a method for predicting crystal structures,",
    "yet any practitioner will confess that point group symmetries are rarely observed in it.",
    "Here we treat the point group symmetry as a holonomic constraint on the positions, and",
    "the Bravais lattice as a constraint on the lattice vectors of the simulation box, so that",
    "every configuration the dynamics visits is symmetric under the chosen group.",
    "The constraint equation is a function of positions that is zero when they are symmetric.",
    "We follow previous approaches to holonomic constraints and integrate the equations of",
    "motion with a velocity Verlet scheme that conserves the energy over long trajectories.",
]
COVER = [
    "ISSN: 1234-5678 (Print) 1234-5679 (Online) Journal homepage: www.example.org/journals/jat",
    "To cite this article: Ann Author and Ben Writer (2022) Symmetric sampling of molecular crystals",
    "To link to this article: https://doi.org/10.5555/jat.2022.4077",
    "Published online: 14 Jun 2022.",
    "Submit your article to this journal",
]
PAGE2 = [
    "We simulated Lennard-Jones particles under each of the seventeen planar groups and found",
    "that the energy drift stayed below one part in ten thousand over a million steps.",
    "The lowest-energy crystals differed between groups, and several were not close packed.",
    "Symmetric molecular dynamics thus samples crystal structures that plain dynamics misses,",
    "at the cost of one projection per step, which is small next to the force evaluation.",
]


def _cover(pdf: canvas.Canvas, height: float) -> None:
    _text(pdf, LEFT, height - 120, COVER[0], SANS_BOLD, 8)
    _text(pdf, LEFT, height - 160, "Symmetric sampling of molecular crystals under", SANS_BOLD, 18)
    _text(pdf, LEFT, height - 182, "all planar groups", SANS_BOLD, 18)
    _text(pdf, LEFT, height - 210, f"{AUTHORS[0]} and {AUTHORS[1]}", SANS_BOLD, 12)
    y = height - 240
    for line in COVER[1:]:
        _text(pdf, LEFT, y, line, SERIF, 10)
        y -= 40
    pdf.showPage()


def make_masthead_pdf(out: Path, cover: bool = False) -> Path:
    """Write the article (after a cover page with ``cover``) to ``out`` and return ``out``."""
    _register()
    _, height = letter
    pdf = canvas.Canvas(str(out), pagesize=letter)
    pdf.setTitle("draft.docx")  # junk metadata: the title is read from the page
    if cover:
        _cover(pdf, height)
    _text(pdf, LEFT, height - 50, MASTHEAD, SANS_BOLD, 20)
    _text(pdf, LEFT, height - 76, BANNER, SANS_BOLD, 10)
    _text(pdf, 460, height - 76, ONLINE, SANS, 7)
    _text(pdf, LEFT, height - 104, "Symmetric sampling of molecular crystals under", SERIF_BOLD, 16)
    _text(pdf, LEFT, height - 124, "all planar groups", SERIF_BOLD, 16)
    _text(pdf, LEFT, height - 146, f"{AUTHORS[0]}* and {AUTHORS[1]}", SERIF, 10)
    _text(pdf, LEFT + 20, height - 170, CITE, SERIF, 8)
    _text(pdf, 420, height - 170, "Read Online", SANS, 8)
    y = height - 200
    for lines in (ABSTRACT, BODY):
        for line in lines:
            _text(pdf, LEFT, y, line, SERIF, 9)
            y -= 12
        y -= 6
    y = 80
    for line in FOOTNOTES:
        _text(pdf, LEFT, y, line, SERIF, 7)
        y -= 9
    pdf.showPage()
    y = height - 80
    for line in PAGE2:
        _text(pdf, LEFT, y, line, SERIF, 9)
        y -= 12
    pdf.showPage()
    pdf.save()
    return out
