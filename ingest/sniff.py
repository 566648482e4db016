"""What a file really is, read from its first bytes (its name may say otherwise).

``filetype`` knows the signatures of office documents, archives, images and PDF; two shapes it
leaves out are added here: old Microsoft Office files (OLE compound documents) and HTML.
"""

from __future__ import annotations

import filetype

PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # PDF readers accept the header anywhere in the first kilobyte
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HTML_STARTS = (b"<!doctype html", b"<html")

# What a detected type is called in a message, by its usual extension.
NAMES = {
    "docx": "a Word document (.docx)",
    "doc": "a Word document (.doc)",
    "xlsx": "an Excel workbook (.xlsx)",
    "pptx": "a PowerPoint file (.pptx)",
    "odt": "an OpenDocument text (.odt)",
    "epub": "an EPUB e-book",
    "rtf": "a Rich Text file (.rtf)",
    "zip": "a ZIP archive",
    "gz": "a gzip archive",
    "png": "a PNG image",
    "jpg": "a JPEG image",
    "gif": "a GIF image",
    "tif": "a TIFF image",
    "html": "an HTML page",
    "ole": "an old Microsoft Office file (.doc, .xls or .ppt)",
    "pdf": "a PDF document",
}


def is_pdf(head: bytes) -> bool:
    """Whether the first bytes of a file carry a PDF header."""
    return PDF_MAGIC in head[:PDF_HEADER_WINDOW]


def describe(head: bytes) -> str | None:
    """What the file starting with ``head`` is, in words (e.g. "a Word document (.docx)"), or None
    when it has no known binary signature (plain text, or something unknown)."""
    if is_pdf(head):
        return NAMES["pdf"]
    if head.startswith(OLE_MAGIC):
        return NAMES["ole"]
    if head.lstrip()[:20].lower().startswith(HTML_STARTS):
        return NAMES["html"]
    kind = filetype.guess(head)
    if kind is None:
        return None
    return NAMES.get(kind.extension, f"a {kind.mime} file (.{kind.extension})")
