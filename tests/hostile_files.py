"""Hostile and mislabelled files made on the fly (never checked in): a page-tree bomb, a text bomb
and a Word document.

Each bomb is a valid PDF of a few kilobytes that costs a naive reader far more than its size:
the page tree names one subtree many times over (``fanout ** depth`` pages from ``depth + 2``
objects), or a compressed content stream draws a long run of text without a line break.
"""

from __future__ import annotations

import io
import zipfile
import zlib


def word_document() -> bytes:
    """A minimal Word document (.docx: a ZIP holding ``word/document.xml``), to be named ``.pdf``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1; object 1 is the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes) -> bytes:
    packed = zlib.compress(data, 9)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"


PIECE = 10_000  # characters a show operator draws (PDFium reads at most 32,767 from one string)
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def page_tree_bomb(fanout: int = 10, depth: int = 6) -> bytes:
    """A PDF whose page tree holds ``fanout ** depth`` pages (1,000,000 by default) in ~1.5 KB.

    Each level's node lists the next level's one node ``fanout`` times; the leaf is one page
    with a line of text.
    """
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    levels = list(range(2, depth + 2))
    leaf = depth + 2
    for level in levels:
        child = level + 1
        kids = b" ".join(b"%d 0 R" % child for _ in range(fanout))
        count = fanout ** (depth - (level - 2))
        parent = b"" if level == 2 else b" /Parent %d 0 R" % (level - 1)
        objects.append(b"<< /Type /Pages /Kids [%s] /Count %d%s >>" % (kids, count, parent))
    content = leaf + 1
    objects.append(
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
        % (leaf - 1, content, content + 1)
    )
    objects.append(_stream(b"BT /F1 12 Tf 72 720 Td (Page of a page-tree bomb.) Tj ET"))
    objects.append(FONT)
    return _pdf(objects)


def text_bomb(characters: int = 1_000_000) -> bytes:
    """A one-page PDF whose compressed content stream draws ``characters`` letters on one line
    (no space, no newline), a few kilobytes on disk."""
    pieces, rest = divmod(characters, PIECE)
    shows = [b"(" + b"A" * PIECE + b") Tj"] * pieces + ([b"(" + b"A" * rest + b") Tj"] if rest else [])
    content = b"BT /F1 1 Tf 0 400 Td 0 Tc 0 Tw " + b" ".join(shows) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        _stream(content),
        FONT,
    ]
    return _pdf(objects)
