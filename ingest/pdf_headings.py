"""Headings of a PDF: the lines set as headings, the ones that really open a section, their levels.

* **Set as a heading.** A line whose style stands out from the body text's — larger, bold,
  another typeface, all capitals or italic — is a heading candidate; so are the bold words that
  open a paragraph in another style (a run-in heading: "**Setting** The Medical Department …").
* **Opens a section.** A candidate is a heading when it is a phrase (not a sentence, a caption,
  a byline or a front-matter label such as "Keywords"), is not set small (figure labels are), is
  not the title again, and running text follows it: a paragraph of prose in another style that
  starts a sentence, or another heading (a section opening with a subsection), or the reference
  list. A figure's labels are followed by more labels, by a caption, or by the rest of the
  paragraph they interrupt.
* **Levels.** Numbering gives the depth (``2.1`` is level 2, ``IV.`` level 1). Otherwise the
  styles of the headings are ranked by prominence (size, capitals, weight); the style that sets
  the most standard section names (Introduction, Methods, References …) is level 1, a more
  prominent one too, and each less prominent style one level deeper. A run-in heading is one
  level below the heading before it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from citeqa.ingest.pdf_chars import Line, Word, font_family, restyle, split_segments
from citeqa.ingest.pdf_layout import FLOAT_RE, Page
from citeqa.ingest.references import HEADING_RE as REFERENCES_HEADING_RE
from citeqa.ingest.section_names import BEFORE_BODY, CONTAINERS, CORE, FRONT_LABELS, TOP_LEVEL, name_key

if TYPE_CHECKING:
    from citeqa.ingest.pdf_text import Block

NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.)\s+")
NUMBERED_RE = re.compile(r"^(?:(\d{1,2}(?:\.\d{1,2}){0,3})\.?|([IVX]{1,5})\.)\s+[A-Z\"“‘'(]")
_MAX_WORDS = 20  # a display heading is a phrase
_MAX_RUN_IN_WORDS = 12
_MAX_LINES = 4
_SMALL = 0.85  # a heading set smaller than this share of the body size is a figure's label …
_SMALLEST = 0.6  # … unless it is a standard section name (back matter is often set small)
_SMALL_TEXT = 0.7  # running text (methods and back matter may be set smaller than the body)
_SENTENCE_RE = re.compile(r"[a-z]{3,}[.!?]\s+[A-Z][a-z]")  # "collection. Cells": two sentences
_FIELD_RE = re.compile(r"^([^:]{2,40}):\s*(.*)$")  # "Keywords: …", "Received: 1 April 2023"
_CONNECTORS = frozenset(
    "a an and as at between by during for from in into of on or over the through to under versus via vs with within "
    "without".split()
)


@dataclass(frozen=True)
class Style:
    """The look of a line: size, typeface family, weight, slant and capitals."""

    size: float
    font: str
    bold: bool
    italic: bool
    caps: bool = False


def body_style(pages: Sequence[Page], size: float) -> Style:
    """The style most characters of the body size are set in."""
    counts: Counter[tuple[str, bool, bool]] = Counter()
    for page in pages:
        for ln in page.lines:
            if abs(ln.size - size) <= 0.3:
                counts[(ln.font, ln.bold, ln.italic)] += sum(len(w.chars) for w in ln.words)
    font, bold, italic = counts.most_common(1)[0][0] if counts else ("", False, False)
    return Style(size, font, bold, italic)


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def stands_out(line: Line, text: str, body: Style) -> bool:
    """True when a line is set in a style of its own: larger, bold, another typeface, capitals or italic."""
    t = text.strip()
    if not t or len(t) > 160 or len(line.segments) > 2 or line.size < _SMALLEST * body.size:
        return False
    if line.size < _SMALL * body.size and name_key(t) not in TOP_LEVEL:
        return False  # small print: a figure's label, a footnote
    if not (t[0].isupper() or t[0].isdigit() or t[0] in "\"“‘'"):
        return False
    numbered = NUMBERED_RE.match(t)
    return (
        line.size >= body.size + max(0.4, 0.05 * body.size)
        or (line.bold and not body.bold)
        or (bool(line.font) and line.font != body.font and not line.italic)
        or (line.italic and not body.italic)
        or _caps(t)
        # "3.1. Expression and regulation" set like the text: a subsection by its numbering alone
        or (numbered is not None and "." in (numbered.group(1) or "") and len(t.split()) <= 12 and not t.endswith("."))
    )


def _emphasised(word: Word, body: Style) -> bool:
    """A word set in bold, or upright in another typeface (italic words are names of species and genes)."""
    letters = [c for c in word.chars if c.text.isalnum() and not c.superscript]
    if not letters:
        return False
    if not body.bold and all(c.bold for c in letters):
        return True
    return all(not c.italic and font_family(c.font) != body.font for c in letters)


def run_in_words(line: Line, text: str, body: Style, continued: bool = False) -> int:
    """How many words open the line as a run-in heading (0: none); ``continued``: the words may
    end a heading begun on the line before (they need not start with a capital)."""
    if line.size < _SMALL * body.size or FLOAT_RE.match(text):
        return 0
    if not continued and not (text[:1].isupper() or text[:1].isdigit()):
        return 0
    k = 0
    for word in line.words:
        if _emphasised(word, body) or (k and not any(c.text.isalnum() for c in word.chars)):
            k += 1
        else:
            break
    if k == 0:
        k = _caps_name(line)
    if not 0 < k < len(line.words) or k > _MAX_RUN_IN_WORDS:
        return 0
    return k


def _caps_name(line: Line) -> int:
    """How many words open the line as a standard section name in capitals ("ABSTRACT The …")."""
    words = [w.text for w in line.words]
    for k in range(min(4, len(words) - 1), 0, -1):
        head = " ".join(words[:k])
        if _caps(head) and not _caps(words[k]) and name_key(head) in TOP_LEVEL:
            return k
    return 0


def sub_line(line: Line, words: list[Word]) -> Line:
    """A line made of some of another line's words."""
    out = Line(words=words, top=line.top, bottom=line.bottom, size=line.size, bold=line.bold, page=line.page)
    out.segments = split_segments(out)
    restyle(out)
    return out


def wraps(prev: Line, line: Line, x_left: float, x_right: float, text_prev: str, text: str) -> bool:
    """True when a heading line goes on in the next line (not a new heading under it)."""
    width = max(x_right - x_left, 1.0)
    last = text_prev.rstrip().rsplit(" ", 1)[-1].lower()
    centred = prev.x0 > x_left + line.size and abs((prev.x0 + prev.x1) / 2 - (line.x0 + line.x1) / 2) < 0.1 * width
    return (
        text[:1].islower()
        or prev.x1 >= x_right - 0.25 * width
        or centred
        or text_prev.rstrip().endswith((",", ":", ";", "-", "–", "&"))
        or last in _CONNECTORS
    )


def style_of(lines: Sequence[Line]) -> Style:
    first = lines[0]
    return Style(round(first.size * 2) / 2, first.font, first.bold, first.italic, _caps(first.text))


class HeadingRules:
    """Decide which heading candidates open a section and give them levels (see the module docstring)."""

    def __init__(self, body: Style, title: str | None, render) -> None:  # noqa: ANN001 - render: Block → str
        self.body = body
        self.title_key = name_key(title or "")
        self.render = render

    def confirm(self, blocks: list[Block]) -> list[Block]:
        """Demote the candidates that are not headings (a run-in goes back into its paragraph)
        and set the levels; returns the blocks (in order) without emptied ones."""
        for i in range(len(blocks) - 1, -1, -1):
            block = blocks[i]
            if block.kind == "heading" and not self._accept(block, blocks[i + 1 :]):
                if block.run_in is not None and i + 1 < len(blocks) and blocks[i + 1].lines:
                    # The words go back to their line, and lines before it to its paragraph.
                    blocks[i + 1].lines[:1] = [*block.lines[:-1], block.run_in]
                    block.kind = "dropped"
                else:
                    block.kind = "paragraph"
        out = [b for b in blocks if b.kind != "dropped"]
        self._levels([b for b in out if b.kind == "heading"])
        return out

    def typographic(self, block: Block) -> bool:
        """Set apart by size, weight, slant or typeface (not by capitals alone)."""
        style = style_of(block.lines)
        return (
            abs(block.lines[0].size - self.body.size) > 0.3 or style.bold != self.body.bold
            or style.italic != self.body.italic or (bool(style.font) and style.font != self.body.font)
        )

    def _accept(self, block: Block, after: list[Block]) -> bool:
        text = " ".join(self.render(block).split())
        if REFERENCES_HEADING_RE.match(text):
            return True
        if not self._phrase(block, text):
            return False
        standard = name_key(text) in TOP_LEVEL
        if block.ends_part and not standard:
            return False  # a page's last line: a figure's label (typesetters keep a heading with its text)
        rest = [b for b in after[:8] if b.kind != "dropped"]
        if standard and any(b.kind == "paragraph" for b in rest):  # a float may come between
            rest = [b for b in rest if not self._float(b)] or rest
        nxt = rest[0] if rest else None
        if nxt is None:
            return False
        if nxt.kind == "heading":  # a section opening with a subsection (not a run of labels)
            return standard or style_of(nxt.lines) != style_of(block.lines) or nxt.run_in is not None
        if nxt.kind in ("table", "reference"):
            return standard  # "Abbreviations" over a list of terms; "Notes" over the references
        if nxt.kind != "paragraph":
            return False
        if self._running_text(nxt, block, standard):
            return True
        # A subheading not set apart by its style (a short line), then running text or a heading.
        follow = rest[1] if len(rest) > 1 else None
        return (
            follow is not None and self._short(nxt)
            and (follow.kind == "heading" or (follow.kind == "paragraph" and self._running_text(follow, block, standard)))
        )

    def _short(self, block: Block) -> bool:
        text = " ".join(self.render(block).split())
        starts = text[:1].isupper() or bool(NUMBERED_RE.match(text))
        return len(block.lines) <= 3 and len(text.split()) <= _MAX_WORDS and starts and not text.endswith(".")

    def _float(self, block: Block) -> bool:
        """A table or a figure's caption (or its labels read before it)."""
        return block.kind in ("caption", "table") or (block.kind == "paragraph" and bool(FLOAT_RE.match(self.render(block))))

    def _phrase(self, block: Block, text: str) -> bool:
        words = text.split()
        key = name_key(text)
        limit = _MAX_RUN_IN_WORDS if block.run_in is not None and len(block.lines) == 1 else _MAX_WORDS
        bare = NUMBERING_RE.sub("", text)
        letters = sum(c.isalpha() for c in bare)
        field = _FIELD_RE.match(text)
        return (
            len(block.lines) <= _MAX_LINES
            and 0 < len(words) <= limit
            and letters >= 3
            and letters >= 0.6 * len(bare.replace(" ", ""))
            and not text.endswith((",", ";"))
            and not (text[0].isdigit() and not NUMBERED_RE.match(text))  # "1. the organization of …": a list
            and not (field and (name_key(field.group(1)) in FRONT_LABELS or any(c.isdigit() for c in field.group(2))))
            and not FLOAT_RE.match(text)
            and not _SENTENCE_RE.search(text)
            and key not in FRONT_LABELS
            and not self._title_again(key)
            and not any(c.superscript for ln in block.lines for w in ln.words for c in w.chars)
            and all(ln.size >= (_SMALLEST if key in TOP_LEVEL else _SMALL) * self.body.size for ln in block.lines)
        )

    def _title_again(self, key: str) -> bool:
        """The title repeated (on a cover page's next page), or its first line."""
        title = self.title_key
        return bool(title and key) and (key == title or (title.startswith(key) and len(key) >= 0.4 * len(title)))

    def _running_text(self, para: Block, heading: Block, any_start: bool = False) -> bool:
        """Prose that starts a sentence (``any_start``: or not, after a standard section name), in
        another style than the heading's (after a run-in heading: the rest of its line)."""
        text = self.render(para).lstrip()
        starts = any_start or text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"“‘'([•▪●■"
        if not text or not starts or FLOAT_RE.match(text):
            return False
        if heading.run_in is not None:
            return True  # the line goes on in the text's own style
        if not any_start and sum(c.isalpha() for c in text) < 0.6 * len(text.replace(" ", "")):
            return False  # figures and tables, not prose (a standard section name is trusted)
        words = len(text.split())
        sentence = text.rstrip().endswith(".") and (words >= 5 or any_start)  # "None declared." under a standard name
        if len(para.lines) < 2 and words < 10 and not sentence:
            return False
        if para.lines[0].size < _SMALL_TEXT * self.body.size:
            return False
        # A numbered heading may be set like the text ("3.1. Expression and regulation").
        return style_of(para.lines) != style_of(heading.lines) or bool(NUMBERED_RE.match(self.render(heading)))

    def _levels(self, headings: list[Block]) -> None:
        display = [h for h in headings if h.run_in is None]
        ranked = self._style_levels(display)
        parent = 0
        container: tuple[Style, int] | None = None  # the last "Results" or "Methods" heading: its look and level
        for h in headings:
            text = self.render(h)
            if h.run_in is not None:
                h.level = min(parent + 1, 3) if parent else 1
                continue
            numbered = NUMBERED_RE.match(text)
            key = name_key(text)
            if numbered and numbered.group(1):
                h.level = numbered.group(1).count(".") + 1
            elif numbered:
                h.level = 1
            else:
                h.level = ranked.get(style_of(h.lines), 1)
                if key not in TOP_LEVEL and container is not None and container[0] == style_of(h.lines):
                    h.level = min(container[1] + 1, 3)  # a subsection set like its section's heading
            if key in TOP_LEVEL:
                container = (style_of(h.lines), h.level) if key in CONTAINERS else None
            parent = h.level

    def _style_levels(self, display: list[Block]) -> dict[Style, int]:
        """Level of each heading style (see the module docstring)."""
        styles: dict[Style, list[Block]] = {}
        for h in display:
            styles.setdefault(style_of(h.lines), []).append(h)
        if not styles:
            return {}

        def prominence(style: Style) -> tuple:
            return (-style.size, not style.caps, not style.bold, style.italic, style.font == self.body.font)

        order = sorted(styles, key=prominence)
        numbered = {s: [NUMBERED_RE.match(self.render(h)) for h in hs] for s, hs in styles.items()}
        # The style of the body's sections (Introduction, Results …), else of any standard names.
        core = {s: sum(name_key(self.render(h)) in CORE for h in hs) for s, hs in styles.items()}
        standard = {s: sum(name_key(self.render(h)) in TOP_LEVEL for h in hs) for s, hs in styles.items()}
        if any(standard.values()):
            top = max(order, key=lambda s: (core[s], standard[s], -order.index(s)))
        else:
            top = next((s for s in order if len(styles[s]) >= 2), order[0])
        # Larger styles are level 1 too (an "Abstract" set large); the others rank below.
        below = [s for s in order if s != top and s.size <= top.size + 0.3]
        levels = {}
        for style in order:
            depths = [m.group(1).count(".") + 1 for m in numbered[style] if m and m.group(1)]
            if depths:
                levels[style] = Counter(depths).most_common(1)[0][0]
            else:
                levels[style] = min(3, 2 + below.index(style)) if style in below else 1
        return levels


def main_text_start(blocks: list[Block], body: Style, render) -> Block | None:  # noqa: ANN001
    """The first paragraph of the body after an abstract set in another style, when no heading
    comes between (Nature's and Science's unheaded introductions), or None."""
    opening: list[Block] = []  # what comes before the first heading of the body
    for block in blocks:
        if block.kind == "heading" and name_key(render(block)) not in BEFORE_BODY:
            break
        opening.append(block)
    last = max((k for k, b in enumerate(opening) if b.kind == "heading"), default=-1)
    seen_abstract = any(b.kind == "paragraph" and _prose(b, render) and not _in_body(b, body) for b in opening)
    for block in opening[last + 1 :]:
        if block.kind == "paragraph" and _prose(block, render):
            if not _in_body(block, body):
                seen_abstract = True
            elif seen_abstract:
                return block
            else:
                return None
    return None


def _prose(block: Block, render) -> bool:  # noqa: ANN001
    return (len(block.lines) >= 2 or len(render(block).split()) >= 12) and not FLOAT_RE.match(render(block))


def _in_body(block: Block, body: Style) -> bool:
    style = style_of(block.lines)
    return abs(block.lines[0].size - body.size) <= 0.3 and style.font == body.font and style.bold == body.bold

