"""Characters of a PDF page with their boxes and fonts (pypdfium2), grouped into words and lines.

Coordinates are PDF points with ``y`` growing downwards from the top of the page. A character
is a *superscript* when it is set smaller than the line's body text with its baseline raised
(citation markers, footnote marks, exponents); the line keeps it, flagged, so that later stages
can tell ``interpret.12`` (a citation) from ``2,462`` (a value).
"""

from __future__ import annotations

import ctypes
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

_FONT_BUF = 128
_BOLD_FLAG = 1 << 18  # PDF font descriptor flag ForceBold
_ITALIC_FLAG = 1 << 6  # … and Italic
_SUPER_SIZE = 0.85  # a superscript is set at most this share of the line's body size …
_SUPER_RISE = 0.18  # … with its baseline raised by at least this share of the body size
_MAX_SUPERSCRIPT = 12  # characters: raised text longer than this, with letters, is words, not a marker
_WORD_GAP = 0.15  # a gap wider than this share of the font size separates words
_MAX_ANGLE = 0.05  # radians: text rotated more than this is margin furniture, not body text
_MAX_SLANT = 0.4  # a horizontal shear up to this (about 22°) is text set oblique, still upright
_OBLIQUE = 0.1  # … and from this on, italic
# Font names: "ABCDEF+" subset prefixes and "+20"-style re-encodings name one font; a style
# suffix names its weight or slant ("Helvetica-Bold", "AdvOT3b30f6db.B", "AdvMyriad_I", "Arial,BoldItalic").
_SUBSET_RE = re.compile(r"^[A-Z]{6}\+|\+\w{1,4}$")
_STYLE_RE = re.compile(r"[-,._](?=[A-Za-z]*$)[A-Za-z]*$|(?:MT|PS|Std|LT)$")
_BOLD_NAME_RE = re.compile(r"bold|black|heavy|demi|semibold|[-,._](?:b|bi|bd|sb|bdit|med|medi|medium)$|^CMBX", re.IGNORECASE)
_ITALIC_NAME_RE = re.compile(r"italic|oblique|[-,._](?:i|it|bi|ital|bdit)$|^CMTI", re.IGNORECASE)


@lru_cache(maxsize=512)
def font_family(name: str) -> str:
    """A font's family: its name without subset prefix, re-encoding suffix and style suffix."""
    base = _SUBSET_RE.sub("", name)
    return _STYLE_RE.sub("", base) or base


def _font_style(name: str, flags: int, weight: int) -> tuple[bool, bool]:
    """(bold, italic) of a font from its descriptor flags, weight and name."""
    base = _SUBSET_RE.sub("", name)
    bold = bool(flags & _BOLD_FLAG) or weight >= 600 or bool(_BOLD_NAME_RE.search(base))
    return bold, bool(flags & _ITALIC_FLAG) or bool(_ITALIC_NAME_RE.search(base))


@dataclass(slots=True)
class Char:
    """One glyph: its text, box (top-down y), font size, font name and bold flag."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    font: str
    bold: bool
    superscript: bool = False
    italic: bool = False


@dataclass(slots=True)
class Word:
    """Characters set side by side without a gap."""

    chars: list[Char]

    @property
    def x0(self) -> float:
        return self.chars[0].x0

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)


@dataclass(slots=True)
class Line:
    """Words on one baseline, left to right, within one column or table cell run."""

    words: list[Word]
    top: float
    bottom: float
    size: float  # body font size (superscripts excluded)
    bold: bool  # every body character is bold
    page: int = 0
    segments: list[list[Word]] = field(default_factory=list)  # words split at wide gaps
    font: str = ""  # the family most of its body characters are set in (see :func:`font_family`)
    italic: bool = False  # every body letter is italic

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def baseline(self) -> float:
        return self.bottom

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def fonts(self) -> set[str]:
        return {c.font for w in self.words for c in w.chars if not c.superscript}


def _orientation(m: pdfium_c.FS_MATRIX) -> int | None:
    """0 for upright text, 90 for text running up the page, 270 running down; None otherwise."""
    if m.a > 0 and abs(m.b) <= _MAX_ANGLE * m.a and abs(m.c) <= _MAX_SLANT * abs(m.d):
        return 0  # upright, or slanted by a shear (an oblique drawn from an upright font)
    if abs(m.a) <= _MAX_ANGLE * abs(m.b) and abs(m.d) <= _MAX_ANGLE * abs(m.c):
        return 90 if m.b > 0 else 270
    return None


MIN_SIDEWAYS = 150  # characters: less text than this in another direction is margin furniture or labels


class PageOverLimit(Exception):
    """A page holds more characters than it may (``count`` of them): it is not read."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count:,} characters on the page")
        self.count = count


def page_chars(
    page: pdfium.PdfPage, max_chars: int | None = None
) -> tuple[list[tuple[list[Char], tuple[float, float]]], bool]:
    """The visible, non-generated characters of a page, grouped by text direction.

    Text set sideways (a landscape table) is read turned upright, as is text in any other
    direction (a margin note, axis labels: the caller tells them apart).

    Args:
        page: The page.
        max_chars: Most characters the page may hold; a page with more is not read.

    Raises:
        PageOverLimit: The page holds more than ``max_chars`` characters.

    Returns:
        ``(groups, has_text)``: each group is ``(chars, (width, height))`` in the coordinates of
        the page as read (swapped for sideways text), the page's main direction first;
        has_text is False for a page without any text layer.
    """
    textpage = page.get_textpage()
    try:
        width, height = page.get_size()
        handle = textpage.raw
        n = pdfium_c.FPDFText_CountChars(handle)
        if max_chars is not None and n > max_chars:
            raise PageOverLimit(n)
        box = pdfium_c.FS_RECTF()
        matrix = pdfium_c.FS_MATRIX()
        flags = ctypes.c_int()
        buf = ctypes.create_string_buffer(_FONT_BUF)
        oriented: list[tuple[int, Char]] = []
        fonts: dict[int | None, tuple[str, bool, bool]] = {}
        for i in range(n):
            code = pdfium_c.FPDFText_GetUnicode(handle, i)
            if code == 0x02 and pdfium_c.FPDFText_IsHyphen(handle, i) == 1:
                code = 0x2D  # PDFium's code for a hyphen that ends a line
            generated = pdfium_c.FPDFText_IsGenerated(handle, i) == 1
            if code in (0, 0xFFFE, 0xFFFF) or (generated and code != 0x20):
                continue
            if 0xDC00 <= code <= 0xDFFF:  # the second half of a UTF-16 pair: completes the last char
                last = oriented[-1][1] if oriented else None
                if last is not None and len(last.text) == 1 and 0xD800 <= ord(last.text) <= 0xDBFF:
                    last.text = chr(0x10000 + ((ord(last.text) - 0xD800) << 10) + (code - 0xDC00))
                continue
            text = chr(code) if code < 0x110000 else "\ufffd"
            if code < 0x20 and code not in (0x09, 0x0A, 0x0D):
                text = "•"  # a symbol font's glyph mapped to a control code: a list bullet
            if text.isspace():
                oriented.append((-1, Char(" ", 0, 0, 0, 0, 0, "", False)))  # a space (real or PDFium's): a word break
                continue
            pdfium_c.FPDFText_GetMatrix(handle, i, matrix)
            orientation = _orientation(matrix)
            if orientation is None:
                continue  # skewed or mirrored text
            size = pdfium_c.FPDFText_GetFontSize(handle, i) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            pdfium_c.FPDFText_GetLooseCharBox(handle, i, box)
            obj = ctypes.cast(pdfium_c.FPDFText_GetTextObject(handle, i), ctypes.c_void_p).value
            font = fonts.get(obj)
            if font is None:
                length = pdfium_c.FPDFText_GetFontInfo(handle, i, buf, _FONT_BUF, flags)
                name = buf.raw[: max(0, min(length, _FONT_BUF) - 1)].decode("latin-1", "replace")
                weight = pdfium_c.FPDFText_GetFontWeight(handle, i)
                bold, italic = _font_style(name, flags.value, weight)
                font = fonts[obj] = (name, bold, italic)
            name, bold, italic = font
            italic = italic or (orientation == 0 and abs(matrix.c) > _OBLIQUE * abs(matrix.d))
            if orientation == 0:
                char = Char(text, box.left, box.right, height - box.top, height - box.bottom, size, name, bold, italic=italic)
            elif orientation == 90:  # turned clockwise to read: x along the text, y across it
                char = Char(text, box.bottom, box.top, box.left, box.right, size, name, bold, italic=italic)
            else:
                char = Char(text, height - box.top, height - box.bottom, width - box.right, width - box.left, size, name, bold, italic=italic)
            oriented.append((orientation, char))
        counts = {o: sum(1 for k, _ in oriented if k == o) for o in (0, 90, 270)}
        order = sorted(counts, key=lambda o: (-counts[o], o != 0))
        groups = []
        for rank, direction in enumerate(order):
            if not counts[direction]:
                continue
            chars = [c for o, c in oriented if o == direction or (o == -1)]
            groups.append((chars, (width, height) if direction == 0 else (height, width)))
        return groups or [([], (width, height))], n > 0
    finally:
        textpage.close()


def _same_line(a: Char, line_top: float, line_bottom: float) -> bool:
    mid = (a.top + a.bottom) / 2
    return line_top - 0.5 <= mid <= line_bottom + 0.5 or (a.top <= line_bottom and a.bottom >= line_top and a.bottom <= line_bottom + 1)


def group_lines(chars: list[Char], page_number: int, gap_factor: float = 0.9) -> list[Line]:
    """Group characters into lines (in content order, then by position) and lines into segments.

    Characters follow each other in the content stream in writing order nearly always; a new
    line starts when the next character is not on the current baseline band or jumps back left.
    """
    chars = _attach_accents(chars)
    raw_lines: list[list[Char]] = []
    current: list[Char] = []
    top = bottom = 0.0
    largest = 0.0  # the largest size of the current line's characters (kept as it grows: linear time)
    last_x1 = 0.0  # the right edge of its last character that is not a space
    for ch in chars:
        if ch.text == " ":
            if current:
                current.append(ch)
            continue
        if current and (not _same_line(ch, top, bottom) or ch.x0 < last_x1 - max(ch.size, 1.0)):
            raw_lines.append(current)
            current = []
        if not current:
            top, bottom, largest = ch.top, ch.bottom, 0.0
        elif ch.size >= largest * _SUPER_SIZE:
            top, bottom = min(top, ch.top), max(bottom, ch.bottom)
        current.append(ch)
        largest, last_x1 = max(largest, ch.size), ch.x1
    if current:
        raw_lines.append(current)
    lines = [_make_line(cs, page_number) for cs in _merge_same_baseline(raw_lines)]
    lines = [line for line in lines if line.words]
    for line in lines:
        line.segments = split_segments(line, gap_factor)
    lines.sort(key=lambda ln: (round(ln.bottom, 0), ln.x0))
    return lines


_ACCENTS = {"˚": "\u030a", "¨": "\u0308", "´": "\u0301", "`": "\u0300", "ˆ": "\u0302", "˜": "\u0303", "ˇ": "\u030c", "¸": "\u0327"}


def _attach_accents(chars: list[Char], window: int = 8) -> list[Char]:
    """A spacing accent drawn over a letter (``˚`` over ``A`` in old typesetting) becomes part
    of that letter (``Å``); an accent over nothing stays as it is."""
    if not any(c.text in _ACCENTS for c in chars):
        return chars
    out = list(chars)
    drop: set[int] = set()
    for i, accent in enumerate(chars):
        if accent.text not in _ACCENTS:
            continue
        centre = (accent.x0 + accent.x1) / 2
        best, best_distance = None, None
        for j in range(max(0, i - window), min(len(chars), i + window + 1)):
            letter = chars[j]
            if j == i or j in drop or not letter.text.isalpha() or len(letter.text) != 1:
                continue
            if not letter.x0 - 1 <= centre <= letter.x1 + 1:
                continue
            if not (letter.top - letter.size <= accent.top <= letter.bottom):
                continue
            distance = abs(centre - (letter.x0 + letter.x1) / 2)
            if best_distance is None or distance < best_distance:
                best, best_distance = j, distance
        if best is not None:
            composed = unicodedata.normalize("NFC", chars[best].text + _ACCENTS[accent.text])
            if len(composed) == 1:
                out[best].text = composed
                drop.add(i)
    return [c for k, c in enumerate(out) if k not in drop]


def _merge_same_baseline(raw: list[list[Char]]) -> list[list[Char]]:
    """Join pieces written separately on one baseline (a superscript drawn after its line, a
    table row written cell by cell) when they do not overlap horizontally."""
    out: list[list[Char]] = []
    for piece in raw:
        body = [c for c in piece if c.text != " "]
        if not body:
            continue
        merged = False
        base = statistics.median(c.bottom for c in body)
        size = max(c.size for c in body)
        for prev in out[-6:]:
            pbody = [c for c in prev if c.text != " "]
            pbase = statistics.median(c.bottom for c in pbody)
            psize = max(c.size for c in pbody)
            x0, x1 = min(c.x0 for c in body), max(c.x1 for c in body)
            px0, px1 = min(c.x0 for c in pbody), max(c.x1 for c in pbody)
            overlap = min(x1, px1) - max(x0, px0)
            if overlap > 0.5:
                continue
            if abs(base - pbase) <= 0.25 * max(size, psize):
                gap = max(x0 - px1, px0 - x1)
                if gap < 0 or gap > 40 * max(size, psize):
                    continue
                if gap > 1.5 * max(size, psize) and _words(piece) >= 4 and _words(prev) >= 4:
                    continue  # two runs of prose a gutter apart: lines of two columns, not one line
                if gap > 0.5 * max(size, psize) and abs(size - psize) > 0.5:
                    continue  # another font size a gap away: a running header beside a column line
                prev.extend([Char(" ", 0, 0, 0, 0, 0, "", False), *piece])
                merged = True
                break
            # a raised, smaller piece right after the previous one: superscript marker
            if (size < psize * _SUPER_SIZE and pbase - base >= _SUPER_RISE * psize and 0 <= x0 - px1 < psize
                    and not _wordy(body)):
                prev.extend(piece)
                merged = True
                break
        if not merged:
            out.append(piece)
    for piece in out:
        piece.sort(key=lambda c: c.x0) if _needs_sort(piece) else None
    return out


def _wordy(chars: list[Char]) -> bool:
    """Words, not a marker: long and with letters (``12,13,14,15,16`` is a marker)."""
    return len(chars) > _MAX_SUPERSCRIPT and sum(c.text.isalpha() for c in chars) >= 4


def _unflag_long_runs(body: list[Char]) -> None:
    """A long run of small raised text is not a marker or an exponent (a header set beside
    a line): it is ordinary text."""
    run: list[Char] = []
    for c in [*body, None]:
        if c is not None and c.superscript:
            run.append(c)
            continue
        if _wordy(run):
            for r in run:
                r.superscript = False
        run = []


def _words(piece: list[Char]) -> int:
    return len("".join(c.text for c in piece).split())


def _needs_sort(piece: list[Char]) -> bool:
    body = [c for c in piece if c.text != " "]
    return any(b.x0 < a.x0 - 0.5 * max(a.size, 1) for a, b in zip(body, body[1:]))


def _make_line(chars: list[Char], page_number: int) -> Line:
    if _needs_sort(chars):
        # Re-sort by x keeping spaces as breaks between their neighbours.
        body = sorted((c for c in chars if c.text != " "), key=lambda c: c.x0)
        chars = body
    body = [c for c in chars if c.text != " "]
    size = statistics.median(c.size for c in body) if body else 0.0
    size = max((c.size for c in body if size * 0.95 <= c.size <= size * 2), default=size)  # a drop cap is not the size
    baseline = statistics.median(c.bottom for c in body if c.size >= size * _SUPER_SIZE) if body else 0.0
    for c in body:
        c.superscript = c.size < size * _SUPER_SIZE and baseline - c.bottom >= _SUPER_RISE * size
    _unflag_long_runs(body)
    words: list[Word] = []
    current: list[Char] = []
    for c in chars:
        if c.text == " ":
            if current:
                words.append(Word(current))
            current = []
            continue
        if current:
            prev = current[-1]
            gap = c.x0 - prev.x1
            if gap > _WORD_GAP * max(min(c.size, prev.size), 1.0) and not (c.superscript and gap < 0.5 * size):
                words.append(Word(current))
                current = []
        current.append(c)
    if current:
        words.append(Word(current))
    # Superscripts and a drop cap do not set the line's extent (its baseline orders the column).
    normal = [c for c in body if not c.superscript and c.size <= 1.5 * size] or [c for c in body if not c.superscript]
    top = min((c.top for c in normal), default=min((c.top for c in body), default=0.0))
    bottom = max((c.bottom for c in normal), default=max((c.bottom for c in body), default=0.0))
    line = Line(words=words, top=top, bottom=bottom, size=size, bold=False, page=page_number)
    restyle(line)
    return line


def restyle(line: Line) -> None:
    """Set a line's weight, slant and font family from its words (after words were taken out)."""
    normal = [c for w in line.words for c in w.chars if not c.superscript and c.text != " "]
    letters = [c for c in normal if c.text.isalnum()]
    line.bold = bool(normal) and all(c.bold for c in letters)
    line.italic = bool(letters) and all(c.italic for c in letters)
    families = Counter(font_family(c.font) for c in letters or normal)
    line.font = families.most_common(1)[0][0] if families else ""


_CLAUSE_END = tuple(".,;:)]")
_BULLET_MARKS = "•▪◦●■"
_BULLETS = _BULLET_MARKS + "–-"


def split_segments(line: Line, gap_factor: float = 0.9) -> list[list[Word]]:
    """Split a line's words where the gap is wider than ``gap_factor`` × the font size — unless
    the line is justified prose whose every word space was stretched that wide (a number or a
    bullet set apart in front of it, a manuscript line number, stays a segment of its own), or a
    list item whose bullet stands that far from its text."""
    segs: list[list[Word]] = [[line.words[0]]]
    for prev, word in zip(line.words, line.words[1:]):
        if word.x0 - prev.x1 > gap_factor * max(line.size, 1.0):
            segs.append([word])
        else:
            segs[-1].append(word)
    lead = 1 if len(segs) > 1 and len(segs[0]) == 1 and segs[0][0].text.isdigit() else 0
    rest = segs[lead:]
    if len(rest) == 2 and len(rest[0]) == 1 and rest[0][0].text in _BULLET_MARKS and len(rest[1]) > 1:
        return segs[:lead] + [rest[0] + rest[1]]  # a list item with a wide gap after its bullet
    if len(rest) > 1 and len(rest[0]) == 1 and rest[0][0].text in _BULLETS:
        lead += 1
    if len(segs) > lead + 1 and _stretched_prose(line.words[lead:], line.size):
        return segs[:lead] + [line.words[lead:]]
    return segs


def _stretched_prose(words: list[Word], size: float) -> bool:
    """Words of running text, justified with even (if wide) spaces: six or more, mostly in
    lower case, every space between words alike (within a third of the usual one; after
    punctuation, where a sentence ends, up to 2.2 times wider; a thin space, as in ``50 μL``,
    narrower) and none wider than two ems.
    A table row's cells stand at column positions, so the spaces between them vary with the
    cells' widths."""
    lower = sum(1 for w in words if w.text[:1].islower())
    if len(words) < 6 or 2 * lower < len(words):
        return False
    gaps = [b.x0 - a.x1 for a, b in zip(words, words[1:])]
    usual = statistics.median(gaps)
    plain = [g for a, g in zip(words, gaps) if a.text[-1:] not in _CLAUSE_END and g >= usual / 2]
    return (usual > 0 and bool(plain) and max(plain) - min(plain) <= usual / 3
            and max(gaps) <= min(2.2 * usual, 2 * max(size, 1.0)))
