"""Page layout: running headers/footers and line numbers out, columns found, lines in reading order.

* **Furniture.** A line in the top or bottom band of a page whose text, with digits replaced
  and case folded, recurs in the same band on other pages is a running header or footer, and
  so is a line there that begins or ends one (the first page's "… 2014, 14:1" beside the
  others' "… 2014, 14:1 Page 2 of 10"); a lone number there is a page number. Digit-only segments stacked in a margin outside the
  text (manuscript line numbers) go too.
* **Columns.** A gutter is a vertical strip, inside the text area, that few line segments
  cross while both sides hold text; pages may have several (three-column layouts).
* **Reading order.** Lines that cross every gutter (titles, full-width figure captions and table
  rows) are read where they stand from the top; the column lines between two of them are
  read column by column, each top to bottom. A line that spans some columns only (a title
  beside a full-height column) is read with the first of them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from citeqa.ingest.pdf_chars import Line, restyle, split_segments

_BAND = 0.09  # share of the page height where running headers and footers live
_REPEAT_BAND = 0.2  # a line repeated on many pages is furniture within this share of the height
_REPEAT_SHARE = 0.3
_LONG_REPEAT = 25  # characters: a line this long repeated on half the pages is furniture wherever it stands
_VARIANT = 20  # characters: a band line this long that begins or ends a running header is a variant of it
_PAGE_NUMBER_RE = re.compile(r"^\W*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_MIN_GUTTER = 3.0  # points
_GUTTER_CROSSING = 0.5  # a gutter is crossed by at most this share of the median crossing count
_NEAR = 30.0  # points: column text ends (starts) this close to the left (right) of its gutter
_MIN_SIDE_LINES = 4
_WIDE = 0.6  # a segment wider than this share of the text width spans the columns
_CAPTION_GAP = 5  # font sizes: the widest space between a table caption and its first line


@dataclass
class Page:
    """One page's lines, size and whether it had a text layer."""

    number: int
    width: float
    height: float
    lines: list[Line]
    has_text: bool = True
    margin: bool = False  # a little text in another direction (a margin note): furniture evidence only


def _key(line: Line) -> str:
    return _DIGITS_RE.sub("#", " ".join(line.text.lower().split()))


def _band(line: Line, page: Page, share: float = _BAND) -> str | None:
    if line.bottom <= page.height * share + 2:
        return "top"
    if line.top >= page.height * (1 - share) - 2:
        return "bottom"
    return None


def remove_furniture(pages: list[Page]) -> int:
    """Drop running headers, footers, page numbers and margin line numbers in place.

    Returns:
        How many lines were dropped.
    """
    seen: dict[tuple[str, str], set[int]] = defaultdict(set)
    anywhere: dict[str, set[int]] = defaultdict(set)
    for page in pages:
        for line in page.lines:
            anywhere[_key(line)].add(page.number)
            band = _band(line, page, _REPEAT_BAND)
            if band:
                seen[(band, _key(line))].add(page.number)
    count = len({page.number for page in pages})  # a page with sideways text has two parts
    need = max(2, round(_REPEAT_SHARE * count))
    repeated: dict[str, list[str]] = defaultdict(list)
    for (band, key), numbers in seen.items():
        if len(numbers) >= need and len(key) >= _VARIANT:
            repeated[band].append(key)
    dropped = 0
    for page in pages:
        keep = []
        for line in page.lines:
            band = _band(line, page, _REPEAT_BAND)
            key = _key(line)
            furniture = (band is not None and (
                len(seen[(band, key)]) >= need
                or (_band(line, page) is not None and bool(_PAGE_NUMBER_RE.match(line.text)))
                # the first page's variant of a running header: "… 2014, 14:1" beside "… 2014, 14:1 Page 2 of 10"
                or (len(key) >= _VARIANT and any(r.startswith(key) or r.endswith(key) for r in repeated[band]))
            )) or (len(key) >= _LONG_REPEAT and len(anywhere[key]) >= max(3, count / 2))
            if furniture:
                dropped += 1
            else:
                keep.append(line)
        page.lines = keep
    return dropped + _drop_line_numbers(pages)


def _is_number_segment(seg: list) -> bool:
    return len(seg) == 1 and seg[0].text.isdigit() and len(seg[0].text) <= 5


def _drop_line_numbers(pages: list[Page]) -> int:
    """Manuscript line numbers: on most lines of a page, a number alone or as the line's first
    segment (a gap away from the text), all right-aligned on one x position in a margin. A page
    with little text (a table, a figure) loses its numbers too when they stand where the other
    pages' do."""
    found: dict[int, float] = {}
    for k, page in enumerate(pages):
        lone, leading = _numbered(page)
        if len(lone) + len(leading) < max(8, len(page.lines) // 2):  # most lines: a numbered list is not
            continue
        ends = sorted(ln.segments[0][0].x1 for ln in lone + leading)
        column = ends[len(ends) // 2]
        if sum(1 for ln in lone + leading if abs(ln.segments[0][0].x1 - column) <= 12) >= 0.8 * len(ends):
            found[k] = column  # (else: numbers scattered over the page, a table)
    if not found:
        return 0
    usual = statistics.median(found.values())
    for k, page in enumerate(pages):
        lone, leading = _numbered(page)
        if k not in found and len(lone) + len(leading) >= 3:
            aligned = [ln for ln in lone + leading if abs(ln.segments[0][0].x1 - usual) <= 2]
            if len(aligned) >= 0.8 * (len(lone) + len(leading)):
                found[k] = usual
    return sum(_drop_numbers(pages[k], column) for k, column in found.items())


def _numbered(page: Page) -> tuple[list[Line], list[Line]]:
    """A page's lines that are a number alone, and those whose first segment is a number."""
    lone = [ln for ln in page.lines if len(ln.segments) == 1 and _is_number_segment(ln.segments[0])]
    leading = [ln for ln in page.lines if len(ln.segments) > 1 and _is_number_segment(ln.segments[0])]
    return lone, leading


def _drop_numbers(page: Page, column: float) -> int:
    """Take out the page's numbers right-aligned at ``column``; return how many went."""
    lone, leading = _numbered(page)
    aligned = lambda ln: abs(ln.segments[0][0].x1 - column) <= 12  # noqa: E731
    dropped = 0
    for ln in leading:
        if aligned(ln):
            ln.words = ln.words[1:]
            ln.segments = ln.segments[1:]
            restyle(ln)
            dropped += 1
    gone = {id(ln) for ln in lone if aligned(ln)}
    page.lines = [ln for ln in page.lines if id(ln) not in gone]
    return dropped + len(gone)


def segment_box(seg: list) -> tuple[float, float]:
    return seg[0].x0, max(w.x1 for w in seg)


def find_gutters(page: Page) -> list[float]:
    """The x positions of the column gutters of a page (empty for one column)."""
    segs = [segment_box(s) for ln in page.lines for s in ln.segments]
    if len(segs) < 2 * _MIN_SIDE_LINES:
        return []
    left = min(a for a, _ in segs)
    right = max(b for _, b in segs)
    if right - left < 100:
        return []
    # Crossing counts on a 1-point grid, of the segments narrower than most of the text width
    # (full-width lines — a title, an abstract — cross every gutter; on a first page they may
    # outnumber the column lines).
    n = int(right - left) + 1
    cover = [0] * n
    for a, b in segs:
        if b - a > _WIDE * (right - left):
            continue
        for k in range(max(0, int(a - left) + 1), min(n, int(b - left))):
            cover[k] += 1
    lo, hi = int(0.15 * n), int(0.85 * n)
    limit = max(2, _GUTTER_CROSSING * statistics.median(cover[lo:hi]))
    gutters: list[float] = []
    k = lo
    while k <= hi:
        if cover[k] <= limit:
            start = k
            while k < n and cover[k] <= limit:
                k += 1
            if k - start >= _MIN_GUTTER:
                best = min(range(start, k), key=lambda j: (cover[j], abs(j - (start + k) / 2)))
                if any(a < left + best < b for a, b in segs if b - a <= _WIDE * (right - left)):
                    best = _clearest(cover, start, k)  # the edge of a run: a hanging number just crosses it
                x = left + best
                # Column text ends just left of a gutter and starts just right of it, on more
                # lines than cross it.
                gap_left, gap_right = left + start, left + k
                ends = sum(1 for a, b in segs if gap_left - _NEAR <= b <= x)
                starts = sum(1 for a, b in segs if x <= a <= gap_right + _NEAR)
                if min(ends, starts) >= max(_MIN_SIDE_LINES, cover[best] + 1):
                    gutters.append(x)
        k += 1
    return _thin(gutters, page)


def _clearest(cover: list[int], start: int, end: int) -> int:
    """The middle of the widest run of the strip ``[start, end)`` that (nearly) nothing crosses:
    between two columns, not between a reference list's hanging numbers and their entries."""
    low = min(cover[start:end]) + 1
    runs: list[tuple[int, int]] = []
    for j in range(start, end):
        if cover[j] <= low:
            if runs and runs[-1][1] == j:
                runs[-1] = (runs[-1][0], j + 1)
            else:
                runs.append((j, j + 1))
    middle = (start + end) / 2
    a, b = max(runs, key=lambda r: (r[1] - r[0], -abs((r[0] + r[1]) / 2 - middle)))
    return min(range(a, b), key=lambda j: (cover[j], abs(j - (a + b) / 2)))


def _thin(gutters: list[float], page: Page) -> list[float]:
    """Keep gutters that separate columns of running text (not the gaps of a table or a
    figure): each side holds lines filling most of its width; of two close ones, the first such."""
    left_edge = min((ln.x0 for ln in page.lines), default=0.0)
    right_edge = max((ln.x1 for ln in page.lines), default=0.0)
    good: list[float] = []
    for k, g in enumerate(gutters):
        lower = good[-1] if good else left_edge
        upper = next((h for h in gutters[k + 1 :] if h - g >= 60), right_edge)
        left = [ln for ln in page.lines if lower - 1 <= ln.x0 and ln.x1 <= g]
        # The column on the right ends at the next candidate, or (that one being a gap in a
        # table or figure of the column) at the text's right edge.
        right = [ln for ln in page.lines if g <= ln.x0 and ln.x1 <= upper + 1]
        wide = [ln for ln in page.lines if g <= ln.x0]
        if _texty(left) and (_texty(right) or _texty(wide)) and (not good or g - good[-1] >= 60):
            good.append(g)
    return good


def _texty(lines: list[Line]) -> bool:
    """Running text: several lines filling most of the column's width."""
    if not lines:
        return False
    width = max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)
    return sum(1 for ln in lines if ln.x1 - ln.x0 >= 0.6 * width) >= _MIN_SIDE_LINES


@dataclass
class Placed:
    """A line in reading order, with the column it was read in (None: full width)."""

    line: Line
    column: int | None
    x_left: float  # left edge of its column or of the page's text
    x_right: float
    region: int  # lines of one region and column are read together
    in_table: bool = False  # a caption or row of a table region (see :func:`table_regions`)


FLOAT_RE = re.compile(r"^\s*(?:Table|Fig\.?|Figure|Supplementary\s+(?:Table|Figure))\s*[S]?\d", re.IGNORECASE)


def reading_order(page: Page) -> list[Placed]:
    """The page's lines in reading order.

    Full-width lines split the page into regions read column by column, except *floats*
    (a full-width group holding a table or figure caption, or table rows): the columns
    flow around them, and they are read after the columns of their region.
    """
    if not page.lines:
        return []
    gutters = find_gutters(page)
    text_left = min(ln.x0 for ln in page.lines)
    text_right = max(ln.x1 for ln in page.lines)
    edges = [text_left, *gutters, text_right]
    tables = table_regions(page.lines, gutters, edges)
    members = {id(ln) for _, _, lines, originals in tables for ln in originals}
    rest = [ln for ln in page.lines if id(ln) not in members]
    if not gutters:
        units: list[tuple[float, list[Placed]]] = [
            (ln.top, [Placed(ln, None, text_left, text_right, 0)]) for ln in rest
        ]
        units += [(lines[0].top, [Placed(ln, None, x0, x1, 0, True) for ln in lines]) for x0, x1, lines, _ in tables]
        return [p for _, group in sorted(units, key=lambda u: u[0]) for p in group]
    parts = sorted((p for ln in rest for p in _split_at_gutters(ln, edges)), key=lambda ln: (ln.top, ln.x0))
    # Consecutive full-width lines form groups; column lines stay single; a table region is one item.
    items: list[tuple[int | None, list[Line]]] = []
    for ln in parts:
        col = _column_of(ln, gutters)
        if col is None and not _crosses_all(ln, gutters):
            col = sum(1 for g in gutters if ln.x0 >= g)  # spans some columns (a title beside a full-height column): read with its first
        if col is None and items and items[-1][0] is None:
            items[-1][1].append(ln)
        else:
            items.append((col, [ln]))
    for _, _, lines, _ in tables:
        at = next((k for k, (_, group) in enumerate(items) if group[0].top > lines[0].top), len(items))
        items.insert(at, (-1, lines))
    bounds = {id(lines[0]): (x0, x1) for x0, x1, lines, _ in tables}
    out: list[Placed] = []
    region: list[tuple[int, Line]] = []
    floats: list[list[Line]] = []
    region_no = 0

    def flush() -> None:
        nonlocal region_no
        for col in range(len(edges) - 1):
            col_lines = sorted((ln for c, ln in region if c == col), key=lambda ln: (ln.bottom, ln.x0))
            out.extend(Placed(ln, col, edges[col], edges[col + 1], region_no) for ln in col_lines)
        region.clear()
        region_no += 1
        for group in floats:
            x0, x1 = bounds.get(id(group[0]), (text_left, text_right))
            out.extend(Placed(ln, None, x0, x1, region_no, id(group[0]) in bounds) for ln in group)
            region_no += 1
        floats.clear()

    for col, group in items:
        if col == -1:
            floats.append(group)
        elif col is not None:
            region.append((col, group[0]))
        elif _is_float(group):
            floats.append(group)
        else:
            flush()
            out.extend(Placed(ln, None, text_left, text_right, region_no) for ln in group)
            region_no += 1
    flush()
    return out


def table_regions(
    lines: list[Line], gutters: list[float], edges: list[float]
) -> list[tuple[float, float, list[Line], list[Line]]]:
    """Tables below a ``Table N`` caption: ``(x0, x1, rows, original lines)`` each.

    The region spans the caption's column, or the whole text width when the caption or the
    lines right below it cross a gutter; it runs down from the caption while lines follow
    closely and are not running text, and ends after the table's footnotes. Pieces of one row
    written separately are merged into one line per baseline.
    """
    from citeqa.ingest.tables import CAPTION_RE, is_footnote_line
    from citeqa.ingest.lines import Line as TextLine

    ordered = sorted(lines, key=lambda ln: (ln.top, ln.x0))
    used: set[int] = set()
    out = []
    for i, cap in enumerate(ordered):
        if id(cap) in used or not CAPTION_RE.match(cap.text):
            continue
        col = _column_of(cap, gutters) if gutters else None
        x0, x1 = (edges[0], edges[-1]) if col is None else (edges[col], edges[col + 1])
        below = [
            ln for ln in ordered[i + 1 : i + 12]
            if ln.top < cap.bottom + 8 * cap.size and min(ln.x1, x1) > max(ln.x0, x0)  # under the caption
        ]
        if col is not None and any(ln.x1 > x1 + 2 or ln.x0 < x0 - 2 for ln in below):
            x0, x1 = edges[0], edges[-1]
        region, last, rows, notes = [cap], cap, 0, False
        for ln in ordered[i + 1 :]:
            if id(ln) in used or ln.x1 < x0 - 2 or ln.x0 > x1 + 2:
                continue  # another column
            # A table may stand further below its caption than its rows stand apart (but not
            # running text).
            gap = (ln.top - last.bottom) / max(ln.size, last.size, 1.0)
            if gap > 3 and (last is not cap or gap > _CAPTION_GAP or _prose(ln, x1 - x0)) or FLOAT_RE.match(ln.text):
                break
            text = ln.text
            if is_footnote_line(TextLine(0, len(text), text)) and rows:
                notes = True
            elif notes and ln.top - last.bottom > 0.8 * ln.size:
                break
            elif not notes and _prose(ln, x1 - x0) and rows:
                break
            region.append(ln)
            rows += len(ln.segments) > 1
            last = ln
        if rows:
            used.update(id(ln) for ln in region)
            out.append((x0, x1, [region[0], *_merge_rows(region[1:])], region))
    return out


def _prose(line: Line, width: float) -> bool:
    """A line of running text: one segment, most of the width, many words, no figures."""
    text = line.text
    return (
        len(line.segments) == 1
        and line.x1 - line.x0 >= 0.7 * width
        and len(text.split()) >= 8
        and sum(ch.isdigit() for ch in text) < 3
    )


def _merge_rows(lines: list[Line]) -> list[Line]:
    """Pieces of a table row on one baseline (written cell by cell or split at a gutter) → one line."""
    rows: list[Line] = []
    for ln in sorted(lines, key=lambda ln: (ln.bottom, ln.x0)):
        prev = rows[-1] if rows else None
        if prev is not None and abs(prev.bottom - ln.bottom) < 0.4 * max(ln.size, 1.0) and (ln.x0 >= prev.x1 or ln.x1 <= prev.x0):
            words = sorted([*prev.words, *ln.words], key=lambda w: w.x0)
            merged = Line(words=words, top=min(prev.top, ln.top), bottom=max(prev.bottom, ln.bottom),
                          size=max(prev.size, ln.size), bold=prev.bold and ln.bold, page=ln.page, font=prev.font,
                          italic=prev.italic and ln.italic)
            merged.segments = split_segments(merged)
            rows[-1] = merged
        else:
            rows.append(ln)
    return rows


def _is_float(group: list[Line]) -> bool:
    if any(FLOAT_RE.match(ln.text) for ln in group[:3]):
        return True
    return sum(1 for ln in group if len(ln.segments) >= 3) * 2 >= len(group)


def _split_at_gutters(line: Line, edges: list[float]) -> list[Line]:
    """Split a line whose segments sit in different columns (text written across the page row
    by row), unless it is a table row: three or more short segments."""
    gutters = edges[1:-1]
    if len(line.segments) < 2 or _column_of(line, gutters) is not None:
        return [line]
    widths = [segment_box(s)[1] - segment_box(s)[0] for s in line.segments]
    column_width = min(b - a for a, b in zip(edges, edges[1:]))
    if len(line.segments) >= 3 and max(widths) < 0.6 * column_width:
        return [line]
    parts: dict[int, list] = {}
    for seg in line.segments:
        x0, x1 = segment_box(seg)
        if any(x0 < g < x1 for g in gutters):
            return [line]  # a segment itself crosses a gutter: full-width text
        parts.setdefault(sum(1 for g in gutters if x0 >= g), []).append(seg)
    out = [
        Line(words=[w for seg in segs for w in seg], top=line.top, bottom=line.bottom, size=line.size, bold=line.bold,
             page=line.page, segments=segs)
        for _, segs in sorted(parts.items())
    ]
    for part in out:
        restyle(part)  # "1. Introduction" in bold beside a line of the other column
    return out


def _crosses_all(line: Line, gutters: list[float]) -> bool:
    return all(line.x0 < g - 1 < g + 1 < line.x1 for g in gutters)


def _column_of(line: Line, gutters: list[float]) -> int | None:
    """The column a line lies in, or None when it crosses a gutter."""
    for k, g in enumerate(gutters):
        if line.x0 < g - 1 < g + 1 < line.x1:
            return None
    return sum(1 for g in gutters if line.x0 >= g)


def body_size(pages: list[Page]) -> float:
    """The font size most characters of the document are set in."""
    counts: Counter[float] = Counter()
    for page in pages:
        for ln in page.lines:
            counts[round(ln.size, 1)] += sum(len(w.chars) for w in ln.words)
    return counts.most_common(1)[0][0] if counts else 10.0
