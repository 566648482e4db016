"""Title, authors, sections and paragraphs of a document's text.

Rules (general, not tied to one paper):

* the title is the first non-empty line; the next short, unpunctuated blocks are the
  author line and affiliations (front matter);
* a heading is a one-line block, short, starting with a capital or digit, without
  terminal punctuation, citation markers or commas, followed by more text (or a
  Markdown ``#`` line);
* body text before the first heading is the "Abstract" section; inside a case-vignette
  section ("CLINICAL CASE"), the first paragraph that cites references opens "Main text";
* a PDF's layout overrides these: its headings (by font) are the headings, text before its
  front matter's end (title, byline, affiliations) and before a first heading that opens the
  abstract belongs to no section, and "Main text" opens where its unheaded body begins;
* paragraphs split by a page break are rejoined: a paragraph that does not end a
  sentence continues in the next paragraph if that starts in lower case (or if the first
  ends with ``,`` ``;`` or a hyphen), even across intervening tables and figure captions.
  With only whitespace between, the two become one Paragraph; otherwise they stay two
  Paragraphs linked by ``continues_at`` / ``continuation_of``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from citeqa.ingest.lines import Line, blocks, normalise_ws
from citeqa.ingest.markers import MARKER_RE, strip_markers
from citeqa.ingest.models import Paragraph, Reference, Section, Table
from citeqa.ingest.references import entry_span, find_reference_heading
from citeqa.ingest.section_names import BEFORE_BODY, name_key

logger = logging.getLogger(__name__)

ABSTRACT = "Abstract"
MAIN_TEXT = "Main text"
_MD_HEADING_RE = re.compile(r"^\s*(#{1,6})\s+(.+?)\s*#*\s*$")
_BULLET_RE = re.compile(r"^\s*(?:[-•–▪◦●]|\d{1,2}[.)])\s+\S")
_FIGURE_RE = re.compile(r"^\s*(?:Figure|Fig\.?)\s*\d+[A-Za-z]?\s*[.:]", re.IGNORECASE)
_CASE_HEADING_RE = re.compile(r"\b(case|vignette)\b", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.?!:]$")
_JOINER_END_RE = re.compile(r"[,;(\-–]$")
_MAX_HEADING = 80
_MAX_FRONT = 300


@dataclass
class Structure:
    """What :func:`parse_structure` recovers."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    body_start: int = 0  # end of the front matter: citation markers before it are affiliations


def parse_structure(
    text: str,
    lines: list[Line],
    tables: list[Table],
    references: list[Reference],
    markdown: bool = False,
    headings: list[tuple[int, int, int]] | None = None,
    front_end: int = 0,
    main_text: int | None = None,
) -> Structure:
    """Recover title, authors, sections and paragraphs.

    Args:
        text: The document text.
        lines: ``split_lines(text)``.
        tables: Tables already found (their lines are not paragraphs).
        references: Reference entries already found (their lines are not paragraphs).
        markdown: Treat ``#`` lines as headings.
        headings: ``(start, end, level)`` of the headings a PDF's fonts revealed; when there
            are at least two, they (and only they) are the headings.
        front_end: With those headings, where a PDF's front matter (title, byline,
            affiliations) ends; text before it belongs to no section. Text between it and a
            first heading that opens the abstract ("Abstract", "Significance") is front matter
            too; otherwise it is the unheaded abstract.
        main_text: Where a PDF's unheaded body starts after its abstract ("Main text").

    Returns:
        The Structure, paragraphs in document order.
    """
    out = Structure()
    skip = [(t.start, t.end) for t in tables]
    ref_head = find_reference_heading(lines)
    if references:  # entry by entry: text a column of the list interrupts stays
        skip.extend(entry_span(text, r) for r in references)
    footnotes = [Paragraph(f.start, f.end, None, "table_footnote") for t in tables for f in t.footnotes]

    hinted = {start: level for start, _, level in headings} if headings and len(headings) >= 2 else None
    blks = [b for b in _split_markdown(blocks(lines), markdown) if not _inside(b[0].start, skip)]
    items: list[Paragraph] = []
    if hinted is not None and front_end:
        i = _layout_front_matter(blks, items, out, front_end, headings)
    else:
        i = _front_matter(text, blks, items, out, markdown)
    section: str | None = None
    found: list[tuple[str, int, int]] = []  # title, start, level
    for k in range(i, len(blks)):
        block = blks[k]
        nxt = blks[k + 1][0].stripped if k + 1 < len(blks) else ""
        # A heading is followed by text; a lower-case start means this was a page-break fragment.
        followed = (bool(nxt) and not nxt[0].islower()) or (not nxt and ref_head is not None)
        if hinted is not None:
            start = block[0].content_start
            heading = (_title_of(block[0].text), hinted[start]) if len(block) == 1 and start in hinted else None
            if block[0].content_start == main_text and not heading:
                section = MAIN_TEXT
                found.append((MAIN_TEXT, block[0].content_start, 1))
        else:
            heading = _heading(block, markdown, followed=followed)
        if heading:
            section = heading[0]
            found.append((heading[0], block[0].content_start, heading[1]))
            items.append(Paragraph(block[0].content_start, block[-1].content_end, section, "heading"))
            continue
        if section is None:
            section = ABSTRACT
            found.append((ABSTRACT, block[0].content_start, 1))
        new_items = _block_items(block, section)
        if (
            _CASE_HEADING_RE.search(section)
            and new_items[0].kind == "paragraph"
            and MARKER_RE.search(text, new_items[0].start, new_items[0].end)
        ):
            section = MAIN_TEXT
            found.append((MAIN_TEXT, block[0].content_start, 1))
            for item in new_items:
                item.section = section
        items.extend(new_items)

    for fn in footnotes:
        fn.section = _section_at(found, fn.start)
    items = sorted(items + footnotes, key=lambda p: p.start)
    out.paragraphs = _rejoin(text, items)
    out.sections = [
        Section(title, start, found[n + 1][1] if n + 1 < len(found) else len(text), level)
        for n, (title, start, level) in enumerate(found)
    ]
    logger.debug("structure: %d sections, %d paragraphs", len(out.sections), len(out.paragraphs))
    return out


def _title_of(line: str) -> str:
    """A heading's title: "Abstract:" → "Abstract", "Cell collection." → "Cell collection"."""
    title = normalise_ws(line)
    return re.sub(r"(?<=[a-z)]{2})[.:]$|:$", "", title) or title


def _layout_front_matter(
    blks: list[list[Line]], items: list[Paragraph], out: Structure, front_end: int, headings: list[tuple[int, int, int]]
) -> int:
    """The blocks before ``front_end`` (and before a first heading that opens the abstract) are
    front matter; return the index of the first body block."""
    body = next((start for start, _, _ in headings if start >= front_end), None)
    if body is None or name_key(_title_of(_line_at(blks, body))) not in BEFORE_BODY:
        body = front_end
    i = 0
    while i < len(blks) and blks[i][0].content_start < body:
        items.append(Paragraph(blks[i][0].content_start, blks[i][-1].content_end, None, "paragraph"))
        i += 1
    out.body_start = body
    return i


def _line_at(blks: list[list[Line]], start: int) -> str:
    return next((line.text for block in blks for line in block if line.content_start == start), "")


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _section_at(headings: list[tuple[str, int, int]], pos: int) -> str | None:
    found = None
    for title, start, _ in headings:
        if start <= pos:
            found = title
    return found


def _split_markdown(blks: list[list[Line]], markdown: bool) -> list[list[Line]]:
    """In Markdown, a ``#`` line is its own block even without blank lines around it."""
    if not markdown:
        return blks
    out: list[list[Line]] = []
    for block in blks:
        current: list[Line] = []
        for line in block:
            if _MD_HEADING_RE.match(line.text):
                if current:
                    out.append(current)
                out.append([line])
                current = []
            else:
                current.append(line)
        if current:
            out.append(current)
    return out


def _front_matter(text: str, blks: list[list[Line]], items: list[Paragraph], out: Structure, markdown: bool) -> int:
    """Read title, authors and affiliations; return the index of the first body block."""
    if not blks:
        return 0
    first = blks[0]
    md = _MD_HEADING_RE.match(first[0].text)
    out.title = normalise_ws(md.group(2) if md else first[0].text)
    items.append(Paragraph(first[0].content_start, first[0].content_end, None, "heading"))
    out.body_start = first[0].content_end
    if len(first) > 1:  # title line directly followed by body text
        blks[0] = first[1:]
        return 0
    i = 1
    while i < len(blks) and i <= 6:
        block = blks[i]
        joined = normalise_ws(" ".join(line.text for line in block))
        if (
            len(joined) > _MAX_FRONT
            or _SENTENCE_END_RE.search(strip_markers(joined))
            or _heading(block, markdown, followed=True)
        ):
            break
        looks_like_names = bool(MARKER_RE.search(joined)) or " and " in joined or "," in joined
        if not looks_like_names:
            break
        if i == 1:
            out.authors = _author_names(joined)
        items.append(Paragraph(block[0].content_start, block[-1].content_end, None, "paragraph"))
        out.body_start = block[-1].content_end
        i += 1
    return i


def _author_names(s: str) -> list[str]:
    names = re.split(r"\s*(?:,|;|\band\b|&)\s*", strip_markers(re.sub(MARKER_RE, " ", s)))
    return [n.strip(" *†‡0-9") for n in names if n.strip(" *†‡0-9")]


def _heading(block: list[Line], markdown: bool, followed: bool) -> tuple[str, int] | None:
    """Return (title, level) when the block is a heading."""
    if len(block) != 1:
        return None
    line = block[0].text
    md = _MD_HEADING_RE.match(line) if markdown else None
    if md:
        return normalise_ws(md.group(2)), len(md.group(1))
    s = line.strip()
    if (
        followed
        and len(s) <= _MAX_HEADING
        and len(s.split()) <= 10
        and (s[0].isupper() or s[0].isdigit())
        and sum(c.isalpha() for c in s) >= 2
        and not re.search(r"[.,;:?!]$", s)
        and "," not in s
        and "\t" not in line
        and not MARKER_RE.search(s)
        and not _BULLET_RE.match(s)
        and not _FIGURE_RE.match(s)
    ):
        return s, 1
    return None


def _block_items(block: list[Line], section: str) -> list[Paragraph]:
    """Split a body block into paragraphs, list items and figure captions."""
    if _FIGURE_RE.match(block[0].text):
        return [Paragraph(block[0].content_start, block[-1].content_end, section, "figure_caption")]
    items: list[Paragraph] = []
    numbered_list = bool(_BULLET_RE.match(block[0].text))  # "2. …" inside prose is a wrapped line
    for line in block:
        if _BULLET_RE.match(line.text) and (numbered_list or not line.stripped[0].isdigit()):
            items.append(Paragraph(line.content_start, line.content_end, section, "list_item"))
        elif items:
            items[-1].end = line.content_end  # wrapped line of the current item / paragraph
        else:
            items.append(Paragraph(line.content_start, line.content_end, section, "paragraph"))
    return items


def _open_end(text: str, p: Paragraph) -> bool:
    tail = strip_markers(text[p.start : p.end]).rstrip(" )\"'”’]")
    return bool(tail) and not _SENTENCE_END_RE.search(tail)


def _continues(text: str, p: Paragraph, nxt: Paragraph) -> bool:
    head = text[nxt.start : nxt.start + 1]
    return head.islower() or bool(_JOINER_END_RE.search(text[p.start : p.end].rstrip()))


def _rejoin(text: str, items: list[Paragraph]) -> list[Paragraph]:
    """Rejoin paragraphs split by page breaks (see the module docstring)."""
    out: list[Paragraph] = []
    k = 0
    while k < len(items):
        p = items[k]
        out.append(p)
        k += 1
        if p.kind != "paragraph" or p.section is None or not _open_end(text, p):
            continue
        j = k
        while j < len(items) and items[j].kind in ("figure_caption", "table_footnote"):
            j += 1
        if j >= len(items) or items[j].kind != "paragraph" or not _continues(text, p, items[j]):
            continue
        nxt = items[j]
        if j == k and not text[p.end : nxt.start].strip():
            p.end = nxt.end  # only whitespace between: one paragraph
            items.pop(k)
            out.pop()
            items.insert(k, p)
            continue
        p.continues_at, nxt.continuation_of = nxt.start, p.start
    return out
