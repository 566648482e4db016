"""The numbered reference list: ``N. Authors. Title. *Journal*. 2023;41(12):2238-2247.``"""

from __future__ import annotations

import logging
import re

from citeqa.ingest.lines import Line, normalise_ws, split_lines
from citeqa.ingest.models import Reference
from citeqa.ingest.section_names import TOP_LEVEL, name_key

logger = logging.getLogger(__name__)

HEADING_RE = re.compile(
    r"^\s*#*\s*[■●▪◆]?\s*(?:\d{1,2}\.?\s+)?(references?|references and notes|notes and references|bibliography|literature cited|"
    r"works cited|reference list|cited literature)\s*:?\s*$",
    re.IGNORECASE,
)
_ENTRY_RE = re.compile(r"^\s*[\[(]?(\d{1,3})(?:[.)\]]\s*|\s+)(?=[^\s\d])")
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}[a-z]?(?!\d)")
_MIN_ENTRY = 30
_FIRST_ENTRY_RE = re.compile(r"^\s*[\[(]?1[.)\]]\s+[A-Z]")
_MIN_LIST = 5  # entries in a row that make a numbered list without a heading a reference list
_ENTRY_REACH = 25  # lines within which the next entry of such a list starts
_MAX_INTERRUPTION = 80  # lines: a table or figure that interrupts a numbered list
_AUTHOR_START_RE = re.compile(r"^[A-Z][\w'’\-]+(?:[ -][A-Z][\w'’\-]+)*,?\s+(?:[A-Z]|van |von |de |der )")
_TAIL_RE = re.compile(
    r"(?P<year>(?:1[89]|20)\d{2})[a-z]?\s*;\s*(?P<volume>[^(:;\s]+)?\s*(?:\((?P<issue>[^)]*)\))?\s*(?::\s*(?P<pages>[^\s;]+?))?\.?\s*$"
)
_PAGES_END_RE = re.compile(r"\b\d+\s*,\s*[A-Za-z]?\d+[a-z]?\s*[–-]\s*[A-Za-z]?\d+[a-z]?\.?$")  # "… 264, 224–236"
_CAPS_HEADING_RE = re.compile(r"^[A-Z][A-Z &]{3,60}$")  # "SUPPLEMENTARY ONLINE DATA"
_YEAR_END_RE = re.compile(r"\((?:1[89]|20)\d{2}[a-z]?\)\.?$")
_ET_AL_RE = re.compile(r"^(?P<authors>.*?\bet al)\.?(?:\s*[;,]\s*(?P<group>[^.]+))?\.\s+")
_JOURNAL_RE = re.compile(r"\*(?P<journal>[^*]+)\*")


def find_reference_heading(lines: list[Line]) -> int | None:
    """Return the index of the reference-list heading line (of several, the one followed by the
    most entries, then the last), or None."""
    hits = [i for i, line in enumerate(lines) if HEADING_RE.match(line.text)]
    if len(hits) <= 1:
        return hits[-1] if hits else None

    def entries(i: int) -> int:  # lines with a year among the next 30 non-blank lines
        following = [line for line in lines[i + 1 : i + 120] if not line.blank][:30]
        return sum(1 for line in following if _YEAR_RE.search(line.text))

    # The heading over the list (a publisher's page may repeat the word "References").
    return max(hits, key=lambda i: (entries(i), i))


def find_headless_list(texts: list[str]) -> int | None:
    """The index of the first entry of a numbered list without a heading ("1. Rajala, M. W. …
    (2003) Endocrinology 144, 3765–3773." at the end of a PNAS paper), or None: the last line
    in the second half that starts entry 1 of a run of at least five numbered entries with years."""
    found = None
    for i in range(len(texts) // 2, len(texts)):
        if not _FIRST_ENTRY_RE.match(texts[i]):
            continue
        k, number, dated = i, 1, 0
        while number <= _MIN_LIST:
            window = [j for j in range(k + 1, min(len(texts), k + _ENTRY_REACH)) if _numbered(texts[j], number + 1)]
            dated += any(_YEAR_RE.search(t) for t in texts[k : k + 3])
            if not window:
                break
            k, number = window[0], number + 1
        if number > _MIN_LIST and dated >= 0.6 * _MIN_LIST:
            found = i
    return found


def _numbered(text: str, number: int) -> bool:
    entry = _ENTRY_RE.match(text)
    return entry is not None and int(entry.group(1)) == number


def parse_references(text: str, lines: list[Line] | None = None) -> list[Reference]:
    """Parse the numbered entries under the document's "References" heading.

    Args:
        text: The document text.
        lines: ``split_lines(text)`` if already computed.

    Returns:
        References in list order; ``start``/``end`` span the entry text after its number.
    """
    lines = lines if lines is not None else split_lines(text)
    head = find_reference_heading(lines)
    if head is None:
        first = find_headless_list([line.text for line in lines])
        if first is None:
            return []
        head = first - 1
    spans: list[list[int]] = []  # [number, start, end]
    blank_since = False
    skipped = 0  # lines of something else (a table floated into the list) since the last entry
    for line in lines[head + 1 :]:
        if line.blank:
            blank_since = True
            continue
        entry = _ENTRY_RE.match(line.text)
        expected = spans[-1][0] + 1 if spans else 1
        if spans and (name_key(line.text) in TOP_LEVEL or _CAPS_HEADING_RE.match(line.stripped)):
            skipped = max(skipped, 1)  # "Acknowledgements" after (or amid) the list: not part of an entry
            continue
        if entry and int(entry.group(1)) == expected:
            spans.append([int(entry.group(1)), line.start + entry.end(), line.content_end])
            skipped = 0
        elif spans and not skipped and (not blank_since or not _complete(text[spans[-1][1] : spans[-1][2]])):
            spans[-1][2] = line.content_end  # a wrapped entry line
        elif spans and skipped < _MAX_INTERRUPTION:
            skipped += 1  # not part of the finished entry: the list may resume after it
        elif spans:
            break
        blank_since = False
    if not spans:
        return _unnumbered(text, lines[head + 1 :])
    refs = [parse_entry(n, text, s, e) for n, s, e in spans]
    logger.debug("parsed %d references", len(refs))
    return refs


def _unnumbered(text: str, lines: list[Line]) -> list[Reference]:
    """An author–year list: an entry starts with a surname and holds a year; lines that do not
    start one continue the entry before; numbered 1, 2, … in list order."""
    refs: list[Reference] = []
    spans: list[list[int]] = []
    for line in lines:
        if line.blank:
            continue
        entry = line.stripped
        if HEADING_RE.match(entry) or (spans and name_key(entry) in TOP_LEVEL):
            break
        if _AUTHOR_START_RE.match(entry) and _YEAR_RE.search(entry) and len(entry) >= _MIN_ENTRY:
            spans.append([line.content_start, line.content_end])
        elif spans and (len(entry) >= _MIN_ENTRY or entry.endswith((".", ",", ";", "-", "–"))):
            spans[-1][1] = line.content_end  # the entry goes on (a wrapped line, the next page)
        elif spans:
            break
    for start, end in spans:
        ref = parse_entry(len(refs) + 1, text, start, end)
        ref.numbered = False
        refs.append(ref)
    logger.debug("parsed %d author-year references", len(refs))
    return refs


def entry_span(text: str, ref: Reference) -> tuple[int, int]:
    """Return the span of the whole entry line(s) including its leading number."""
    line_start = text.rfind("\n", 0, ref.start) + 1
    prefix = text[line_start : ref.start]
    return line_start + len(prefix) - len(prefix.lstrip()), ref.end


def _complete(entry: str) -> bool:
    """An entry that ends as entries end: "2023;41(12):2238-2247.", "… 31–34 (2007)." or "… 264, 224–236"."""
    entry = entry.strip()
    return bool(_TAIL_RE.search(entry) or _YEAR_END_RE.search(entry) or _PAGES_END_RE.search(entry))


def parse_entry(number: int, text: str, start: int, end: int) -> Reference:
    """Split one entry into authors, title, journal, year, volume, issue and pages.

    Args:
        number: The entry's number.
        text: The document text.
        start: Start of the entry text (after ``N.``).
        end: End of the entry text.

    Returns:
        The Reference; fields that cannot be found are None.
    """
    entry = normalise_ws(text[start:end])
    ref = Reference(number=number, text=entry, start=start, end=end)
    rest = entry
    et_al = _ET_AL_RE.match(rest)
    if et_al:
        names = et_al.group("authors")[: -len("et al")]
        ref.authors = _names(names) + ([et_al.group("group").strip()] if et_al.group("group") else [])
        rest = rest[et_al.end() :]
    else:
        head, sep, tail = rest.partition(". ")
        if sep:
            ref.authors, rest = _names(head), tail
    journal = _JOURNAL_RE.search(rest)
    tail_match = _TAIL_RE.search(rest)
    if journal:
        ref.journal = journal.group("journal").strip().rstrip(".").strip()
        ref.title = rest[: journal.start()].strip().rstrip(".").strip() or None
    elif tail_match:
        # No italics: the journal is the last sentence before the year.
        before = rest[: tail_match.start()].strip().rstrip(".")
        title, _, journal_name = before.rpartition(". ")
        ref.title, ref.journal = (title or None), (journal_name.strip() or None)
    else:
        ref.title = rest.strip().rstrip(".") or None
    if tail_match is None and (year := _YEAR_RE.search(entry)):
        ref.year = int(year.group(0)[:4])
    if tail_match:
        ref.year = int(tail_match.group("year"))
        ref.volume = _clean(tail_match.group("volume"))
        ref.issue = _clean(tail_match.group("issue"))
        ref.pages = _clean(tail_match.group("pages"))
    return ref


def _names(s: str) -> list[str]:
    return [n.strip().rstrip(".").strip() for n in s.split(",") if n.strip().rstrip(".").strip()]


def _clean(s: str | None) -> str | None:
    s = (s or "").strip().rstrip(".")
    return s or None
