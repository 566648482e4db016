"""Tables: a ``Table N.`` caption, a header row, data rows, block rows and footnotes.

Cells are separated by tabs or by runs of 2+ spaces (pypdf layout extraction). A row whose
only non-empty cell is the first one (or a short unseparated line followed by a data row)
is a *block* row ("Overall cohort") that labels the rows after it. A caption whose label was
seen before ("Table 2 (continued)") opens a continued part: a Table of its own that names the
first part in ``continuation_of``, read under the first part's header unless it repeats it.
"""

from __future__ import annotations

import logging
import re

from citeqa.ingest.lines import Line, split_lines
from citeqa.ingest.markers import find_citations, strip_markers
from citeqa.ingest.models import Footnote, Table, TableCell, TableRow

logger = logging.getLogger(__name__)

CAPTION_RE = re.compile(r"^\s*(Table\s+(?:\d+|[IVXL]+))(?:\s*[.:|]\s*|\s+(?=(?-i:[A-Z(]))|\s*$)(.*?)\s*$", re.IGNORECASE)
FOOTNOTE_MARKS = "*†‡§¶‖#"
_SUP_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
_CELL_FOOTNOTE_RE = re.compile(rf"\s*([{re.escape(FOOTNOTE_MARKS)}{_SUP_LETTERS}]+)\s*$")
_FOOTNOTE_START_RE = re.compile(rf"^\s*([{re.escape(FOOTNOTE_MARKS)}{_SUP_LETTERS}]+)\s*(?=\S)")
_ABBREVIATIONS_RE = re.compile(r"^\s*(?:abbreviations?\b|(?:[^\s;,][^;,]{0,40}, [^;]{1,160};\s*){2,})", re.IGNORECASE)
_MAX_BLOCK_LABEL = 80


def find_tables(text: str, lines: list[Line] | None = None) -> list[Table]:
    """Find every captioned table in ``text``.

    Args:
        text: The document text.
        lines: ``split_lines(text)`` if already computed.

    Returns:
        Tables in document order, with verbatim cells and exact offsets.
    """
    lines = lines if lines is not None else split_lines(text)
    tables: list[Table] = []
    first: dict[str, Table] = {}  # each label's first part
    i = 0
    while i < len(lines):
        match = CAPTION_RE.match(lines[i].text)
        part = first.get(" ".join(match.group(1).upper().split())) if match else None
        table, next_i = _parse_table(text, lines, i, part) if match else (None, i + 1)
        if table is not None:
            tables.append(table)
            first.setdefault(table.label.upper(), table)
        i = max(next_i, i + 1)
    return tables


def is_footnote_line(line: Line) -> bool:
    """True for a line that opens a table footnote (``*…``, ``†…``, an abbreviation list)."""
    return bool(_FOOTNOTE_START_RE.match(line.text) or _ABBREVIATIONS_RE.match(line.text))


def _next_nonblank(lines: list[Line], i: int) -> int | None:
    while i < len(lines) and lines[i].blank:
        i += 1
    return i if i < len(lines) else None


def _parse_table(text: str, lines: list[Line], i: int, part: Table | None = None) -> tuple[Table | None, int]:
    """The table captioned at ``lines[i]`` and the index of the line after it; ``part``: the
    first part of the table when this caption continues it (its label seen before)."""
    caption = lines[i]
    match = CAPTION_RE.match(caption.text)
    assert match is not None
    title_parts = [match.group(2)]
    caption_end = caption.content_end
    j = i + 1
    # A caption wrapped over several lines (PDF) continues until the header row.
    while j < len(lines) and not lines[j].blank and not lines[j].has_separator() and len(title_parts) < 3:
        title_parts.append(lines[j].stripped)
        caption_end = lines[j].content_end
        j += 1
    header_i = _next_nonblank(lines, j)
    if header_i is None:
        return None, i + 1
    if not lines[header_i].has_separator():
        # A one-cell header ("Parameter") over rows of cells: the header of the label column.
        following = header_i + 1
        if not (following < len(lines) and _is_row(lines[following]) and len(lines[header_i].stripped) <= _MAX_BLOCK_LABEL
                and not is_footnote_line(lines[header_i])):
            return None, i + 1
    header = lines[header_i]
    columns = [_cell(text, s, e) for s, e in _split_cells(header)]
    col_starts = [c.start - header.start for c in columns]
    k = header_i + 1
    if part is not None and not _repeats_header(columns, part.columns):
        # The part goes on under the first part's header: its first line is a row.
        columns, k = part.columns, header_i

    rows: list[TableRow] = []
    block: str | None = None
    last_end = header.content_end
    while k < len(lines):
        line = lines[k]
        if line.blank:
            nxt = _next_nonblank(lines, k)
            if nxt is None or not _is_row(lines[nxt]):
                break
            k = nxt
            continue
        if _is_row(line):
            spans = _split_cells(line)
            if "\t" not in line.text and len(spans) < len(col_starts):
                spans = _split_at_columns(text, line, spans, col_starts)
            if "\t" not in line.text and len(spans) == len(columns):
                # Positions drift between pages: align later rows on the last full row.
                col_starts = [s - line.start for s, _ in spans]
            label = _cell(text, *spans[0])
            values = _align(text, line, spans[1:], col_starts)
            if not any(c.text for c in values):
                block = label.value or None
            else:
                rows.append(TableRow(label=label, cells=values, block=block, start=line.content_start, end=line.content_end))
        elif _is_block_label(lines, k):
            block = strip_markers(line.stripped) or None
        else:
            break
        last_end = line.content_end
        k += 1

    footnotes, k, end = _parse_footnotes(text, lines, k)
    table = Table(
        label=" ".join(match.group(1).split()),
        title=" ".join(" ".join(title_parts).split()),
        columns=columns,
        rows=rows,
        footnotes=footnotes,
        start=caption.content_start,
        end=max(last_end, end),
        caption_start=caption.content_start,
        caption_end=caption_end,
        continuation_of=part.start if part is not None else None,
    )
    logger.debug("parsed %s: %d columns, %d rows, %d footnotes", table.label, len(columns), len(rows), len(footnotes))
    return table, k


def _repeats_header(cells: list[TableCell], header: list[TableCell]) -> bool:
    """A continued table's first line repeats the header (even wrapped otherwise) when most of
    its words are the header's words."""
    words = [w for c in cells for w in c.value.lower().split()]
    known = {w for c in header for w in c.value.lower().split()}
    return 2 * sum(w in known for w in words) >= len(words)


def _is_row(line: Line) -> bool:
    return line.has_separator() and not CAPTION_RE.match(line.text) and not is_footnote_line(line)


def _is_block_label(lines: list[Line], k: int) -> bool:
    """A short unseparated line directly followed by a data row (layout-extracted block row)."""
    line = lines[k]
    return (
        len(line.stripped) <= _MAX_BLOCK_LABEL
        and not line.stripped.endswith((".", ";", ":"))
        and not is_footnote_line(line)
        and not CAPTION_RE.match(line.text)
        and k + 1 < len(lines)
        and _is_row(lines[k + 1])
    )


def _split_cells(line: Line) -> list[tuple[int, int]]:
    """Return the (start, end) of each cell of a row, stripped; tabs keep empty cells."""
    if "\t" in line.text:
        spans, pos = [], line.start
        for piece in line.text.split("\t"):
            lead = len(piece) - len(piece.lstrip())
            body = piece.strip()
            spans.append((pos + lead, pos + lead + len(body)))
            pos += len(piece) + 1
        return spans
    return [(line.start + m.start(), line.start + m.end()) for m in re.finditer(r"\S+(?: \S+)*", line.text)]


def _split_at_columns(text: str, line: Line, spans: list[tuple[int, int]], col_starts: list[int]) -> list[tuple[int, int]]:
    """Split a space-separated cell that runs over a header column's start (a one-space gap)."""
    out = []
    for s, e in spans:
        pieces = [(s, e)]
        for c in col_starts[1:]:
            pos = line.start + c
            s2, e2 = pieces[-1]
            if s2 < pos - 1 and pos < e2:
                cut = text.rfind(" ", s2, pos + 1)
                if cut > s2:
                    pieces[-1:] = [(s2, cut), (cut + 1, e2)]
        out.extend(pieces)
    return out


def _align(text: str, line: Line, spans: list[tuple[int, int]], col_starts: list[int]) -> list[TableCell]:
    """Place value cells under ``columns[1:]``; space-separated rows with gaps align by position."""
    cells = [_cell(text, s, e) for s, e in spans]
    n_values = len(col_starts) - 1
    if "\t" in line.text or len(cells) >= n_values or not cells:
        return cells
    placed: list[TableCell | None] = [None] * n_values
    for cell in cells:
        col = cell.start - line.start
        idx = max((j for j in range(1, len(col_starts)) if col_starts[j] <= col + 2), default=1) - 1
        while idx < n_values and placed[idx] is not None:
            idx += 1
        if idx >= n_values:
            return cells
        placed[idx] = cell
    last = max(j for j, c in enumerate(placed) if c is not None)
    out = []
    for j, c in enumerate(placed[: last + 1]):
        if c is None:
            pos = line.start + min(col_starts[j + 1], len(line.text))
            c = TableCell(text="", value="", start=pos, end=pos)
        out.append(c)
    return out


def _cell(text: str, start: int, end: int) -> TableCell:
    raw = text[start:end]
    refs = sorted({n for c in find_citations(text, start, end) for n in c.numbers})
    value = strip_markers(raw)
    footnotes: list[str] = []
    match = _CELL_FOOTNOTE_RE.search(value)
    if match and match.start() > 0:
        footnotes = list(match.group(1))
        value = value[: match.start()].rstrip()
    return TableCell(text=raw, value=value, start=start, end=end, references=refs, footnotes=footnotes)


def _parse_footnotes(text: str, lines: list[Line], k: int) -> tuple[list[Footnote], int, int]:
    """Read the footnote blocks under a table; return them, the next line index and their end."""
    footnotes: list[Footnote] = []
    end = 0
    while True:
        nxt = _next_nonblank(lines, k)
        if nxt is None or not is_footnote_line(lines[nxt]):
            return footnotes, k, end
        k = nxt
        while k < len(lines) and not lines[k].blank:
            line = lines[k]
            if CAPTION_RE.match(line.text):
                return footnotes, k, end
            opener = _FOOTNOTE_START_RE.match(line.text)
            if opener or _ABBREVIATIONS_RE.match(line.text) or not footnotes:
                marker = opener.group(1) if opener else None
                footnotes.append(Footnote(marker=marker, text=line.stripped, start=line.content_start, end=line.content_end))
            else:  # a wrapped footnote line
                fn = footnotes[-1]
                fn.end = line.content_end
                fn.text = " ".join(text[fn.start : fn.end].split())
            end = line.content_end
            k += 1
