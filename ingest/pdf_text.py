"""Lines in reading order → the document text: paragraphs, headings, tables, reference entries.

The text follows the conventions the text parsers read (see ``structure``, ``tables``,
``references``): a paragraph is one line, blocks are separated by a blank line, a heading is a
block of its own, a table row is one line with its cells separated by tabs (empty cells kept,
so columns line up), a reference entry is one line. Pages are joined by a blank line.

Repairs made while joining: a word hyphenated at a line end is rejoined (the hyphen is kept
only when the document writes that compound with a hyphen elsewhere, or the first part ends
in a digit or capital: ``CD-19``); ligatures and other compatibility characters that are safe
to normalise (``ﬁ`` → ``fi``, full-width forms, odd spaces) are; superscript digits become
Unicode superscripts (``interpret.¹²``) so a citation marker is never read as a value.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from citeqa.ingest.pdf_chars import Line, Word
from citeqa.ingest.pdf_headings import HeadingRules, body_style, main_text_start, run_in_words, stands_out, sub_line, wraps
from citeqa.ingest.pdf_layout import FLOAT_RE, Page, Placed, reading_order, segment_box
from citeqa.ingest.references import HEADING_RE as REFERENCES_HEADING_RE
from citeqa.ingest.references import find_headless_list
from citeqa.ingest.section_names import TOP_LEVEL, name_key
from citeqa.ingest.lines import Line as TextLine
from citeqa.ingest.tables import CAPTION_RE, is_footnote_line

_SUPER_MAP = str.maketrans(
    "0123456789+-−()=,abcdefghijklmnoprstuvwxyz",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾⁼,ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ",
)
_HYPHENS = ("-", "\u2010", "\u00ad")
_SENTENCE_END = (".", "?", "!", ":")
_NUMBERED_HEADING_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+[A-Z]")
_ENTRY_NUMBER_RE = re.compile(r"^\s*[\[(]?(\d{1,3})[.)\]]?\s+(?=\S)")
_MAX_HEADING_CHARS = 120
_LIST_MARK_RE = re.compile(r"^(?:[•▪◦●■–-]|\d{1,2}[.)])$")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[•▪◦●■]|\d{1,2}[.)])\s+\S")
_NUMERIC_CELL_RE = re.compile(r"^[\d.,:;±%()\[\]<>=≤≥\-–−+×/ ]+$")


def safe_nfkc(text: str) -> str:
    """NFKC only where it cannot change meaning: ligatures, full-width forms, spaces.

    ``µ``, ``±``, ``≥``, ``×`` and superscripts are left alone.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFB00 <= code <= 0xFB06 or 0xFF01 <= code <= 0xFF5E:
            out.append(unicodedata.normalize("NFKC", ch))
        elif ch in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f":
            out.append(" ")
        elif ch in "\u200b\u200c\u200d\u2060\ufeff" or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def word_text(word: Word) -> str:
    """A word's text with superscript characters as Unicode superscripts where they exist."""
    parts = []
    for ch in word.chars:
        t = ch.text
        if ch.superscript:
            t = t.translate(_SUPER_MAP)
        parts.append(t)
    return safe_nfkc("".join(parts))


def line_text(line: Line, segments: bool = False) -> str:
    """Words joined by spaces (a superscript-only word is attached to the word before it)."""
    out = ""
    for i, word in enumerate(line.words):
        t = word_text(word)
        if not t:
            continue
        if out and not (all(c.superscript for c in word.chars) and word.x0 - line.words[i - 1].x1 < 0.5 * line.size):
            out += " "
        out += t
    return out


@dataclass
class Block:
    """A paragraph, heading, caption, table or reference-list entry being assembled."""

    kind: str  # paragraph, heading, caption, table, reference, front (title, byline, affiliations)
    page: int
    lines: list[Line] = field(default_factory=list)
    size: float = 0.0
    bold: bool = False
    level: int = 1
    rows: list[str] = field(default_factory=list)  # table rows, cells tab-separated
    run_in: Line | None = None  # a run-in heading: the paragraph line it opened
    ends_part: bool = False  # the last block of its page (or of the page's sideways part)


@dataclass
class Emitted:
    """The document text and what the layout told us about it."""

    text: str
    pages: list[tuple[int, int]]
    headings: list[tuple[int, int, int]]  # start, end, level
    front_end: int = 0  # end of the front matter (title, byline, affiliations)
    main_text: int | None = None  # start of an unheaded body after an abstract set in another style
    notes: list[str] = field(default_factory=list)  # what the text layer lacks, one message each


class Vocabulary:
    """Words seen inside lines (not at a line end), to decide how to rejoin hyphenated words."""

    def __init__(self, pages: list[Page]) -> None:
        self.words: set[str] = set()
        for page in pages:
            for line in page.lines:
                for word in line.words[:-1]:
                    self.words.add(word.text.lower().strip(".,;:()[]"))

    def join(self, left: str, right: str) -> str:
        """``left`` ends with a hyphen, ``right`` starts the next line."""
        stem = left.rstrip("".join(_HYPHENS))
        head = re.match(r"[\w]+", right)
        first = head.group(0) if head else right
        m = re.search(r"[\w]+$", stem)
        last = m.group(0) if m else stem
        if left.endswith("\u00ad"):
            return stem + right
        if last and (last[-1].isdigit() or last[-1].isupper()) or (first and (first[0].isdigit() or first[0].isupper())):
            return stem + "-" + right
        if f"{last}-{first}".lower() in self.words and f"{last}{first}".lower() not in self.words:
            return stem + "-" + right
        return stem + right


def join_lines(texts: list[str], vocab: Vocabulary) -> str:
    """Join a paragraph's lines, rejoining words hyphenated at a line end."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out.endswith(_HYPHENS) and len(out) > 1 and out[-2].isalpha() and t[:1].isalpha() and t[:1].islower():
            out = vocab.join(out, t)
        elif out:
            out += " " + t
        else:
            out = t
    return out


def _item_text_x(line: Line) -> float | None:
    """Where a list item's text starts (after its bullet or number), or None for other lines."""
    if len(line.words) > 1 and _LIST_MARK_RE.match(line.words[0].text):
        return line.words[1].x0
    return None


def _baseline(line: Line) -> float:
    bottoms = [c.bottom for w in line.words for c in w.chars if not c.superscript and c.text not in "gjpqy,;()[]{}|/Qµβγηρφχψ"]
    return sorted(bottoms)[len(bottoms) // 2] if bottoms else line.bottom


def _column_slots(rows: list[Line], gap: float, tolerated: int, min_gap: float) -> list[list[float]]:
    """The x-intervals of a table's columns: the complement of the vertical strips, at least
    ``min_gap`` wide, that at most ``tolerated`` rows cover (``gap``: words closer than this
    belong together anyway)."""
    boxes = [(w.x0, w.x1) for ln in rows for w in ln.words]
    left, right = min(a for a, _ in boxes), max(b for _, b in boxes)
    step = 0.5
    n = int((right - left) / step) + 1
    cover = [0] * n
    for ln in rows:
        seen = [False] * n
        # A row covers its words and the small gaps between them.
        spans: list[list[float]] = []
        for x0, x1 in sorted((w.x0, w.x1) for w in ln.words):
            if spans and x0 <= spans[-1][1] + gap:
                spans[-1][1] = max(spans[-1][1], x1)
            else:
                spans.append([x0, x1])
        for x0, x1 in spans:
            for k in range(int((x0 - left) / step), min(n, int((x1 - left) / step) + 1)):
                seen[k] = True
        for k in range(n):
            cover[k] += seen[k]
    intervals: list[list[float]] = []
    k = 0
    while k < n:
        if cover[k] > tolerated:
            start = k
            while k < n and (cover[k] > tolerated or _short_gap(cover, k, tolerated, min_gap / step)):
                k += 1
            intervals.append([left + start * step, left + k * step])
        else:
            k += 1
    return intervals or [[left, right]]


def _short_gap(cover: list[int], k: int, tolerated: int, width: float) -> bool:
    """True when the uncovered strip starting at ``k`` is narrower than ``width`` cells."""
    end = k
    while end < len(cover) and cover[end] <= tolerated:
        end += 1
    return end < len(cover) and end - k < width


def _split_cell(cell: list[Word], intervals: list[list[float]], size: float) -> list[list[Word]]:
    """Split a segment whose words fall into different column slots ("Yes (%) No (%)") where a
    gap wider than a word space separates them; a superscript stays with the word before it."""
    def slot(word: Word) -> int:
        # The slot holding most of the word (headers are often wider than their figures).
        overlaps = [min(word.x1, b) - max(word.x0, a) for a, b in intervals]
        return max(range(len(intervals)), key=lambda k: overlaps[k])

    parts: list[list[Word]] = [[cell[0]]]
    for prev, word in zip(cell, cell[1:]):
        superscript = all(c.superscript for c in word.chars)
        if not superscript and word.x0 - prev.x1 >= 0.45 * size and slot(word) != slot(parts[-1][0]):
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts


def _typical_pitch(placed: list[Placed]) -> float:
    """The median distance between consecutive baselines of a page's running text."""
    pitches = [
        _baseline(b.line) - _baseline(a.line)
        for a, b in zip(placed, placed[1:])
        if a.region == b.region and a.column == b.column and abs(a.line.size - b.line.size) < 0.3
    ]
    pitches = sorted(p for p in pitches if 0 < p < 4 * max(a.line.size for a in placed))
    return pitches[len(pitches) // 2] if pitches else 0.0


def _header_depth(rows: list[list[str]], most: int = 3) -> int:
    """How many lines the header of a table's ``rows`` is wrapped over: the lines without a
    digit above its first row of figures, when there are at most ``most`` and the last of them
    is not a block label (a first cell alone)."""
    first = next((k for k, slots in enumerate(rows) if any(_NUMERIC_CELL_RE.match(c) for c in slots[1:] if c)), None)
    if first is None or not 1 < first <= most or not any(rows[first - 1][1:]):
        return 1
    return first if not any(ch.isdigit() for slots in rows[:first] for ch in "".join(slots)) else 1


class Emitter:
    """Builds the text page by page (see the module docstring)."""

    def __init__(self, pages: list[Page], body: float, front: Callable[[Line], bool] | None = None, title: str | None = None) -> None:
        """Args: pages in order; the body font size; which lines are front matter; the title."""
        self.pages = pages
        self.body = body
        self.style = body_style(pages, body)
        self.front = front or (lambda line: False)
        self.headings = HeadingRules(self.style, title, self._render)
        self.vocab = Vocabulary(pages)
        self.in_references = False
        self.reference: Block | None = None  # the reference entry being read (may be on an earlier page)
        self.reference_number: int | None = None  # its number, in a numbered list
        self.pitch = 0.0
        self.suspended: tuple[Block | None, int | None] | None = None  # reference list state around a table
        self.resume: tuple[int, float] | None = None  # the entry number (and size) a numbered list may resume at
        self.list_start: Line | None = None
        self.notes: list[str] = []  # what the text layer lacks (a table's rows), one message each

    def run(self) -> Emitted:
        page_blocks = []
        placed_pages = [reading_order(page) for page in self.pages]
        self.list_start = self._headless_list(placed_pages)
        for page, placed in zip(self.pages, placed_pages):
            self.pitch = _typical_pitch(placed)
            page_blocks.append(self._blocks(placed, page.number))
            if page_blocks[-1]:
                page_blocks[-1][-1].ends_part = True
        kept = {id(b) for b in self.headings.confirm([b for blocks in page_blocks for b in blocks])}
        page_blocks = [self._rejoin_around_floats([b for b in blocks if id(b) in kept]) for blocks in page_blocks]
        self._rejoin_across_pages(page_blocks)
        self._carry_hyphens(page_blocks)
        flat = [b for blocks in page_blocks for b in blocks]
        main = main_text_start(flat, self.style, self._render)
        # Headings set like the body text (capitals at most) are left to the text's own rules.
        typographic = sum(1 for b in flat if b.kind == "heading" and self.headings.typographic(b)) >= 2
        text, spans, headings = "", [], []
        front_end, main_text, started = 0, None, False  # the front matter: up to the end of the first run of front lines
        for n, blocks in enumerate(page_blocks):
            same_page = n and self.pages[n].number == self.pages[n - 1].number  # sideways text of a page
            if n and not same_page:
                text += "\n\n"
            start = spans.pop()[0] if same_page else len(text)
            for k, block in enumerate(blocks):
                body = self._render(block)
                if not body:
                    continue
                if len(text) > start:
                    text += "\n" if block.kind == "reference" and blocks[k - 1].kind == "reference" else "\n\n"
                if block.kind == "heading" and typographic:
                    headings.append((len(text), len(text) + len(body), block.level))
                main_text = len(text) if block is main else main_text
                text += body
                started = started or (block.kind != "front" and front_end > 0)
                front_end = len(text) if block.kind == "front" and typographic and not started else front_end
            spans.append((start, len(text)))
        return Emitted(text=text, pages=spans, headings=headings, front_end=front_end, main_text=main_text, notes=self.notes)

    # --- blocks ---------------------------------------------------------------------

    def _blocks(self, placed: list[Placed], page_no: int) -> list[Block]:
        blocks: list[Block] = []
        self._resume_references()
        prev: Placed | None = None
        table: Block | None = None
        for p in placed:
            line = p.line
            text = line_text(line)
            if not text.strip():
                continue
            if table is not None:
                caption = blocks[-2] if len(blocks) > 1 else None
                same_font = abs(line.size - caption.size) < 0.3 and line.bold == caption.bold
                note = text.rstrip().endswith(".") and len(text.split()) >= 5  # "Values are means ± SD."
                if (not table.lines and caption is not None and (len(line.segments) == 1 or note)
                        and ((same_font and not self._breaks(prev, p, caption)) or note)):
                    caption.lines.append(line)  # the caption goes on
                    prev = p
                    continue
                if (p.in_table and not CAPTION_RE.match(text) and not is_footnote_line(TextLine(0, len(text), text))) or self._in_table(table, p, prev, caption):
                    table.lines.append(line)
                    prev = p
                    continue
                table = None
                if not CAPTION_RE.match(text):
                    self._resume_references()
            if self.front(line):
                last = blocks[-1] if blocks else None
                if last is not None and last.kind == "front" and prev is not None and not self._breaks(prev, p, last, heading=True):
                    last.lines.append(line)
                else:
                    blocks.append(Block("front", page_no, [line], line.size, line.bold))
                prev = p
                continue
            if CAPTION_RE.match(text) and (p.in_table or not self.in_references):
                if self.in_references:  # a table floated into the reference list: the list resumes after it
                    self.suspended = (self.reference, self.reference_number)
                self.in_references = False
                blocks.append(Block("caption", page_no, [line], line.size, line.bold))
                table = Block("table", page_no, [], line.size)
                blocks.append(table)
                prev = p
                continue
            if line is self.list_start and not self.in_references:  # a reference list without a heading
                self.in_references, self.reference, self.reference_number = True, None, None
            elif not self.in_references and self._resumes_list(line, text):
                self.in_references, self.reference, self.reference_number = True, None, self.resume[0] - 1
            if not self.in_references and self._continues_heading(p, prev, blocks, text):
                blocks[-1].lines.append(line)
                prev = p
                continue
            if self._ends_references(line, text) if self.in_references else self._heading_candidate(p, prev, blocks, text):
                last = blocks[-1] if blocks else None
                if last is not None and last.kind == "heading" and self.in_references and not self._breaks(prev, p, last, heading=True):
                    last.lines.append(line)
                else:
                    blocks.append(Block("heading", page_no, [line], line.size, line.bold))
                if self.in_references and self.reference_number is not None and self.reference is not None:
                    self.resume = (self.reference_number + 1, self.reference.lines[0].size)
                self.in_references = bool(REFERENCES_HEADING_RE.match(text))
                self.reference, self.reference_number, self.suspended = None, None, None
                prev = p
                continue
            if self.in_references:
                if self._reference_line(blocks, p, prev, text, page_no):
                    prev = p
                    continue
                self.in_references, self.reference, self.reference_number = False, None, None
            if not self.in_references and self._ends_heading(p, prev, blocks, text):
                prev = p
                continue
            k = 0 if self.in_references or len(line.segments) > 2 else run_in_words(line, text, self.style)
            if k and self._opens_paragraph(p, prev, blocks):
                blocks.append(Block("heading", page_no, [sub_line(line, line.words[:k])], line.size, True, run_in=line))
                blocks.append(Block("paragraph", page_no, [sub_line(line, line.words[k:])], line.size, line.bold))
                prev = p
                continue
            if len(line.segments) >= 2 and not self._is_heading_line(line, text):
                # Rows without a caption (a table continued from the previous page, an array
                # of values): tab-separated rows too.
                if blocks and blocks[-1].kind == "table" and prev is not None and prev.line in blocks[-1].lines:
                    blocks[-1].lines.append(line)
                else:
                    blocks.append(Block("table", page_no, [line], line.size))
                prev = p
                continue
            last = blocks[-1] if blocks else None
            if last is not None and last.kind == "paragraph" and prev is not None and not self._breaks(prev, p, last):
                last.lines.append(line)
            else:
                blocks.append(Block("paragraph", page_no, [line], line.size, line.bold))
            prev = p
        # A table block that collected nothing is dropped; its caption stays a caption.
        for k, b in enumerate(blocks):
            if b.kind == "table" and not b.lines and not any(n.kind == "table" and n.lines for n in blocks[k + 1 : k + 2]):
                label = CAPTION_RE.match(line_text(blocks[k - 1].lines[0]))
                self.notes.append(f"page {page_no}: {label.group(1) if label else 'a table'} has a caption but no rows in "
                                  "the text layer (set as an image or as outlines?); its cells are missing")
        return [b for b in blocks if b.kind != "table" or b.lines]

    def _resumes_list(self, line: Line, text: str) -> bool:
        """The next entry of a numbered reference list that a column of text interrupted."""
        if self.resume is None:
            return False
        number = _ENTRY_NUMBER_RE.match(text)
        return number is not None and int(number.group(1)) == self.resume[0] and abs(line.size - self.resume[1]) <= 0.5

    def _headless_list(self, placed_pages: list[list[Placed]]) -> Line | None:
        """The first line of a reference list printed without a heading, if the document has one
        and no "References" heading (see :func:`citeqa.ingest.references.find_headless_list`)."""
        lines = [p.line for placed in placed_pages for p in placed]
        texts = [ln.text for ln in lines]
        if any(REFERENCES_HEADING_RE.match(t.strip()) for t in texts):
            return None
        first = find_headless_list(texts)
        return lines[first] if first is not None else None

    def _resume_references(self) -> None:
        """After a table that floated into the reference list, the list goes on."""
        if self.suspended is not None:
            self.in_references = True
            self.reference, self.reference_number = self.suspended
            self.suspended = None

    def _rejoin_around_floats(self, blocks: list[Block], look: int = 5) -> list[Block]:
        """A paragraph cut mid-sentence by a figure's labels or a float continues after them:
        its continuation (same font, starting in lower case) is joined to it, and what came
        between follows the paragraph."""
        i = 0
        while i < len(blocks):
            p = blocks[i]
            if p.kind == "paragraph" and not self._render(p).rstrip().endswith(_SENTENCE_END):
                j = self._continuation(p, blocks[i + 1 : i + 1 + look])
                if j is not None:
                    p.lines.extend(blocks.pop(i + 1 + j).lines)
            i += 1
        return blocks

    def _continuation(self, p: Block, following: list[Block]) -> int | None:
        """The index in ``following`` of the paragraph that goes on with ``p``'s unfinished
        sentence — the first in ``p``'s font, starting in lower case — when only floats, other
        fonts' text (a first page's box: "Received: …", "Editor …") and figure captions come
        between; None when the text goes on otherwise."""
        for j, q in enumerate(following):
            same_font = q.kind == "paragraph" and abs(q.size - p.size) <= 0.6 and q.bold == p.bold
            first = line_text(q.lines[0])
            if same_font and first[:1].islower():
                return j if all(b.kind != "heading" for b in following[:j]) else None
            if same_font and not FLOAT_RE.match(first) and not (j and FLOAT_RE.match(line_text(following[j - 1].lines[0]))):
                return None
        return None

    def _rejoin_across_pages(self, page_blocks: list[list[Block]], look: int = 5) -> None:
        """A page's last paragraph of running text, cut mid-sentence, goes on in the first such
        paragraph of the next page, past the page's own boxes and floats (first pages set the
        publication history, the editor or the licence in a box at the foot of a column)."""
        for blocks, nxt in zip(page_blocks, page_blocks[1:]):
            last = next((k for k in range(len(blocks) - 1, -1, -1) if self._running(blocks[k])), None)
            if last is None:
                continue
            p = blocks[last]
            if p.kind != "paragraph" or self._render(p).rstrip().endswith(_SENTENCE_END):
                continue
            between = blocks[last + 1 :]
            j = self._continuation(p, between + nxt[:look])
            if j is not None and j >= len(between):
                p.lines.extend(nxt.pop(j - len(between)).lines)

    def _running(self, block: Block) -> bool:
        """A paragraph or heading set in the body's size (not a box's, a caption's or a label's)."""
        return block.kind in ("paragraph", "heading") and abs(block.size - self.body) <= 0.6 and not (
            block.kind == "paragraph" and FLOAT_RE.match(line_text(block.lines[0]))
        )

    def _in_table(self, table: Block, p: Placed, prev: Placed | None, caption: Block | None = None) -> bool:
        """A table goes on, line after line, until a gap, a caption or heading, or a line of
        running text (wide, many words, no figures); it does not open with a line set larger
        than its caption (a heading after a caption whose table is an image)."""
        line = p.line
        if prev is not None and (prev.line.page != line.page or line.top - prev.line.bottom > 3 * max(line.size, prev.line.size, 1)):
            return False
        text = line_text(line)
        if CAPTION_RE.match(text) or REFERENCES_HEADING_RE.match(text) or FLOAT_RE.match(text):
            return False
        if table.lines and is_footnote_line(TextLine(0, len(text), text)):
            return False  # the table's footnotes follow as paragraphs
        if len(line.segments) >= 2:
            return True
        width = p.x_right - p.x_left
        words = text.split()
        prose = (line.x1 - line.x0) >= 0.8 * width and len(words) >= 8 and not any(ch.isdigit() for ch in text)
        above = max(ln.size for ln in table.lines) if table.lines else caption.size if caption is not None else None
        return not prose and not (above is not None and line.size > above + 0.6)

    def _breaks(self, prev: Placed, p: Placed, block: Block, heading: bool = False) -> bool:
        """True when ``p`` starts a new block after ``prev``."""
        a, b = prev.line, p.line
        size = max(a.size, b.size, 1.0)
        if abs(a.size - b.size) > 0.6 or a.bold != b.bold:
            return True
        if len(b.segments) > 1 and not heading:
            return True
        same_flow = prev.region == p.region and prev.column == p.column and a.page == b.page
        prev_text = line_text(a).rstrip()
        if not same_flow:
            # Column or page change: continue only an unfinished sentence.
            nxt = line_text(b).lstrip()
            return prev_text.endswith(_SENTENCE_END) and not nxt[:1].islower()
        pitch = _baseline(b) - _baseline(a)
        if pitch > max(1.65 * size, 1.35 * self.pitch) or pitch < 0:
            return True
        if _LIST_ITEM_RE.match(line_text(b)):
            return True  # the next item of a list
        hanging = _item_text_x(block.lines[0]) if block.lines else None
        if hanging is not None and abs(b.x0 - hanging) < 0.6 * size:
            return False  # an item's text going on under it (a hanging indent)
        indent = b.x0 - a.x0
        if indent > 0.7 * size and b.x0 > p.x_left + 0.7 * size:
            return True
        if a.x1 < p.x_right - 2.5 * size and prev_text.endswith(_SENTENCE_END):
            return True
        return False

    def _is_heading_line(self, line: Line, text: str) -> bool:
        t = text.strip()
        if len(t) > _MAX_HEADING_CHARS or len(line.segments) > 2 or not (t[:1].isupper() or t[:1].isdigit()):
            return False
        if REFERENCES_HEADING_RE.match(t):
            return True
        if t.endswith((".", ",", ";")) and not _NUMBERED_HEADING_RE.match(t) or t.endswith(","):
            return False
        larger = line.size >= self.body * 1.08 and line.size - self.body >= 0.7
        numbered = bool(_NUMBERED_HEADING_RE.match(t)) and (line.bold or larger)
        caps = t.isupper() and len(t.split()) <= 6 and len(t) >= 4 and line.bold
        return (line.bold and line.size >= self.body * 0.95) or larger or numbered or caps

    def _ends_references(self, line: Line, text: str) -> bool:
        """A heading after the reference list: a short one set as a heading (not a line of authors
        set in bold), or a standard section name set apart."""
        if name_key(text) in TOP_LEVEL and stands_out(line, text, self.style):
            return True
        return self._is_heading_line(line, text) and "," not in text and len(text.split()) <= 8

    def _heading_candidate(self, p: Placed, prev: Placed | None, blocks: list[Block], text: str) -> bool:
        """A line set as a heading that does not go on with an unfinished sentence."""
        if REFERENCES_HEADING_RE.match(text.strip()):
            return True
        if not stands_out(p.line, text, self.style):
            return False
        last = blocks[-1] if blocks else None
        return last is None or last.kind != "paragraph" or prev is None or self._opens_paragraph(p, prev, blocks)

    def _continues_heading(self, p: Placed, prev: Placed | None, blocks: list[Block], text: str) -> bool:
        """A line in the style of the heading line above it that the heading wraps into."""
        last = blocks[-1] if blocks else None
        if last is None or last.kind != "heading" or last.run_in is not None or prev is None or prev.line is not last.lines[-1]:
            return False
        a, b = prev.line, p.line
        if (abs(a.size - b.size) > 0.3 or (a.bold, a.italic, a.font) != (b.bold, b.italic, b.font)
                or prev.region != p.region or prev.column != p.column or a.page != b.page or len(b.segments) > 2):
            return False
        if not 0 < _baseline(b) - _baseline(a) <= 1.65 * max(a.size, b.size, 1.0):
            return False
        return wraps(a, b, p.x_left, p.x_right, line_text(a), text)

    def _ends_heading(self, p: Placed, prev: Placed | None, blocks: list[Block], text: str) -> bool:
        """A heading set over lines that ends in the words opening this line ("… in a cholesterol-producing /
        **yeast.** Previous work …"): those words join the heading, the rest opens its paragraph."""
        last = blocks[-1] if blocks else None
        if last is None or last.kind != "heading" or last.run_in is not None or prev is None or prev.line is not last.lines[-1]:
            return False
        a, b = prev.line, p.line
        if prev.region != p.region or prev.column != p.column or a.page != b.page or len(b.segments) > 2:
            return False
        if not 0 < _baseline(b) - _baseline(a) <= 1.65 * max(a.size, b.size, 1.0):
            return False
        k = run_in_words(b, text, self.style, continued=True)
        if not k or not wraps(a, b, p.x_left, p.x_right, line_text(a), " ".join(word_text(w) for w in b.words[:k])):
            return False
        last.lines.append(sub_line(b, b.words[:k]))
        last.run_in = b
        blocks.append(Block("paragraph", last.page, [sub_line(b, b.words[k:])], b.size, b.bold))
        return True

    def _opens_paragraph(self, p: Placed, prev: Placed | None, blocks: list[Block]) -> bool:
        """True when ``p`` starts a new paragraph (not a line of the paragraph before)."""
        last = blocks[-1] if blocks else None
        if last is None or last.kind != "paragraph" or prev is None or prev.line not in last.lines:
            return True
        a, b = prev.line, p.line
        same_flow = prev.region == p.region and prev.column == p.column and a.page == b.page
        before = line_text(a).rstrip()
        ended = before.endswith(_SENTENCE_END)
        if not same_flow:  # the text goes on in another column only mid-sentence ("… grown in" / "yeast")
            last_word = before.rsplit(" ", 1)[-1]
            return ended or not (before.endswith((",", ";", "-", "\u2010")) or last_word[:1].islower())
        size = max(a.size, b.size, 1.0)
        pitch = _baseline(b) - _baseline(a)
        return pitch > max(1.65 * size, 1.35 * self.pitch) or (ended and a.x1 < p.x_right - 2.5 * size)

    def _reference_line(self, blocks: list[Block], p: Placed, prev: Placed | None, text: str, page_no: int) -> bool:
        """Add a line of the reference list; False when the line ends the list."""
        last = self.reference
        number = _ENTRY_NUMBER_RE.match(text)
        value = int(number.group(1)) if number else None
        gap = prev is not None and prev.line.page == p.line.page and _baseline(p.line) - _baseline(prev.line) > 1.8 * max(self.pitch, p.line.size)
        expected = 1 if self.reference_number is None else self.reference_number + 1
        if value is not None and value == expected:
            self.reference_number = value  # the next numbered entry
        elif self.reference_number is not None:
            if gap or abs(p.line.size - last.lines[0].size) > 1.0:
                # Back to running text (the list may go on later, after a column of text)
                self.resume = (self.reference_number + 1, last.lines[0].size)
                return False
            last.lines.append(p.line)
            return True
        elif last is not None and not self._new_entry(last, p, prev, text):
            last.lines.append(p.line)
            return True
        self.reference = Block("reference", page_no, [p.line], p.line.size)
        blocks.append(self.reference)
        return True

    def _new_entry(self, last: Block, p: Placed, prev: Placed | None, text: str) -> bool:
        """In an unnumbered (author–year) list, a hanging indent or a gap opens an entry."""
        a, b = last.lines[0], p.line
        if prev is None:
            return True
        if prev.region != p.region or prev.column != p.column or prev.line.page != b.page:
            return abs(b.x0 - p.x_left) < 1.0 and line_text(prev.line).rstrip().endswith(".")
        pitch = _baseline(b) - _baseline(prev.line)
        if pitch > 1.5 * max(b.size, 1):
            return True
        return b.x0 < prev.line.x0 - 0.5 * max(b.size, 1) or (b.x0 <= a.x0 + 0.5 and prev.line.x0 > a.x0 + 2)

    # --- rendering ------------------------------------------------------------------

    def _render(self, block: Block) -> str:
        if block.kind == "table":
            return "\n".join(self._table_rows(block.lines))
        return join_lines([line_text(ln) for ln in block.lines], self.vocab)

    def _table_rows(self, lines: list[Line]) -> list[str]:
        """Rows with cells in column slots. The slots are the x-intervals covered by the words
        of the table's data rows (rows holding a figure), merged where they overlap or nearly
        touch: whitespace that runs down the table separates columns (in a table of five or more
        such rows, one row in ten may cross it: a long label, a spanning cell)."""
        numeric = [ln for ln in lines if sum(any(ch.isdigit() for ch in w.text) for w in ln.words) >= 1 and len(ln.words) > 1]
        basis = numeric if len(numeric) >= 2 else lines
        size = max(statistics.median(ln.size for ln in basis), 1.0)
        intervals = _column_slots(basis, 0.45 * size, tolerated=len(basis) // 10 if len(basis) >= 5 else 0, min_gap=0.3 * size)
        rows = []
        for ln in lines:
            slots = [""] * len(intervals)
            # Cells are the line's segments when it has several (a header cell wider than its
            # column stays whole), else its words.
            cells = ln.segments if len(ln.segments) > 1 else [[w] for w in ln.words]
            cells = [part for cell in cells for part in _split_cell(cell, intervals, ln.size)]
            for cell in cells:
                x0, x1 = segment_box(cell)
                best = max(
                    range(len(intervals)),
                    key=lambda k: (min(x1, intervals[k][1]) - max(x0, intervals[k][0]), -abs(x0 - intervals[k][0])),
                )
                slots[best] = f"{slots[best]} {' '.join(word_text(w) for w in cell)}".strip()
            if any(slots):
                rows.append(slots)
        # Header cells wrapped over lines: leading rows without a first cell are merged down,
        # and so are a few lines without a digit above the first row of figures.
        depth = _header_depth(rows)
        while len(rows) > 1 and (depth > 1 or not rows[0][0] and not any(ch.isdigit() for ch in "".join(rows[0]))):
            rows[1] = [f"{a} {b}".strip() for a, b in zip(rows[0], rows[1])]
            rows.pop(0)
            depth -= 1
        # A line without a first cell and without figures continues the cells of the row above
        # (cells wrapped over lines).
        merged: list[list[str]] = []
        for slots in rows:
            if merged and not slots[0] and not any(_NUMERIC_CELL_RE.match(c) for c in slots if c):
                merged[-1] = [f"{a} {b}".strip() for a, b in zip(merged[-1], slots)]
            else:
                merged.append(slots)
        return ["\t".join(slots).rstrip("\t") for slots in merged]

    def _carry_hyphens(self, page_blocks: list[list[Block]]) -> None:
        """A word hyphenated across a page break is completed on the first page."""
        for blocks, nxt in zip(page_blocks, page_blocks[1:]):
            last = next((b for b in reversed(blocks) if b.kind == "paragraph"), None)
            first = next((b for b in nxt if b.kind == "paragraph"), None)
            if last is None or first is None or not first.lines or not first.lines[0].words:
                continue
            tail = line_text(last.lines[-1]).rstrip()
            if not tail.endswith(_HYPHENS):
                continue
            head_line = first.lines[0]
            head = word_text(head_line.words[0])
            if not head[:1].islower():
                continue
            last.lines.append(Line(words=[head_line.words[0]], top=head_line.top, bottom=head_line.bottom,
                                   size=head_line.size, bold=head_line.bold, page=last.page, segments=[[head_line.words[0]]],
                                   font=head_line.font, italic=head_line.italic))
            moved = head_line.words[0]
            head_line.words = head_line.words[1:]
            head_line.segments = [kept for s in head_line.segments if (kept := [w for w in s if w is not moved])]
            if not head_line.words:
                first.lines.pop(0)
