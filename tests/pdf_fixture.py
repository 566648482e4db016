"""Render a text (such as corpus/review.txt) into a multi-page PDF for the PDF tests.

Running text is wrapped to the page width; paragraphs are separated by a blank line's
height. Tab-separated lines (table rows) are drawn cell by cell at fixed x columns,
so pypdf's layout extraction separates cells by runs of spaces, as in a real PDF table.
Uses DejaVuSans so superscripts (¹⁻³), ×, α and ± render and extract.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import letter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = "DejaVuSans"
FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MARGIN = 54
SIZE = 9
LEADING = 12
CELL_GAP = 14


def _register() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, asciiReadable=False))


def _wrap(line: str, width: float, size: float) -> list[str]:
    words, out, current = line.split(" "), [], ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and pdfmetrics.stringWidth(candidate, FONT, size) > width:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    return out


def make_review_pdf(text: str, out: Path, page_size: tuple[float, float] = letter) -> Path:
    """Render ``text`` to a PDF at ``out`` and return ``out``.

    Args:
        text: Plain text; blank lines separate paragraphs, tabs separate table cells.
        out: Where to write the PDF.
        page_size: Page size in points.

    Returns:
        ``out``.
    """
    _register()
    page_w, page_h = page_size
    usable = page_w - 2 * MARGIN
    pdf = canvas.Canvas(str(out), pagesize=page_size)
    y = page_h - MARGIN

    def newline(height: float) -> None:
        nonlocal y
        y -= height
        if y < MARGIN:
            pdf.showPage()
            y = page_h - MARGIN

    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line:  # a table: lay out consecutive tab rows on shared columns
            rows = []
            while i < len(lines) and "\t" in lines[i]:
                rows.append(lines[i].split("\t"))
                i += 1
            n = max(len(r) for r in rows)
            size = SIZE
            while True:
                widths = [
                    max(pdfmetrics.stringWidth(r[j].strip(), FONT, size) if j < len(r) else 0 for r in rows) + CELL_GAP
                    for j in range(n)
                ]
                if sum(widths) <= usable or size <= 4:
                    break
                size -= 0.5
            for row in rows:
                x = MARGIN
                for j, cell in enumerate(row):
                    if cell.strip():
                        pdf.setFont(FONT, size)  # showPage() resets the font
                        pdf.drawString(x, y, cell.strip())
                    x += widths[j]
                newline(LEADING)
            continue
        if not line.strip():
            newline(LEADING)
        else:
            for piece in _wrap(line.strip(), usable, SIZE):
                pdf.setFont(FONT, SIZE)  # showPage() resets the font
                pdf.drawString(MARGIN, y, piece)
                newline(LEADING)
        i += 1
    pdf.save()
    return out
