"""The front matter of a PDF: title, byline, journal, year and DOI, from its first page and metadata.

* **Title.** The metadata title when the first page shows it (the lines that spell it, since
  metadata is often cut short), else the page's largest run of lines that a byline follows (a
  masthead may be set larger), else its largest run, else its first bold run.
* **Byline.** The lines under the title that read as a list of names ("Ann Author¹,², Ben
  Writer* and Cara Scholar³"): affiliation marks, asterisks and degrees dropped; else the
  metadata's authors.
* **Front-matter lines** (never headings): the title, the byline and the affiliation lines right
  under the byline.
* **First-page furniture** (never in the text): the lines set above the title or set apart beside it (banners such as
  "RESEARCH ARTICLE", "OPEN ACCESS", a journal's masthead, "View Article Online"), citation and
  masthead lines ("Cite this: J. Chem. Theory Comput. 2022, 18, 4077", "ISSN: …", "Journal
  homepage: …", "RNA (2012), 18:2056–2072. Published by …"; the journal and year are read from
  them first) and a footnote block in small type at the foot of a column (correspondence,
  affiliations, "Article published online ahead of print …"). A publisher's cover page — a
  short first page whose title the next page prints again — is furniture as a whole.
* **Journal and year.** A citation line of the first pages ("Diabetologia (2024) 67:940–951",
  "Agyeman-Duah et al. BMC Health Services Research 2014, 14:1", "bioRxiv preprint doi: …;
  this version posted March 21, 2022"), read before the running headers are removed; else the
  metadata's subject; the year else from the first page.
* **DOI.** The metadata's, else the first page's, else one printed on the last page under its
  publication history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from citeqa.ingest.pdf_chars import Line
from citeqa.ingest.pdf_text import line_text
from citeqa.ingest.section_names import AFFILIATION_WORDS, DEGREES, name_key

DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;)\]])")
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_JUNK_TITLE_RE = re.compile(r"^(?:untitled|title|microsoft word\b.*|.*\.(?:docx?|pdf|tex|indd)|[\w-]*\d[\w-]*(?:\s+\d+\.\.\d+)?|\W*)$", re.IGNORECASE)
_NOT_TITLE_RE = re.compile(r"https?://|www\.|\bdoi\b|©|\bcopyright\b|\blicen[cs]e\b|@", re.IGNORECASE)
_TITLE_SIZE = 1.15  # a title is set at least this much larger than the body text
_BYLINE_WINDOW = 10  # lines under the title where the byline may start
_BYLINE_SKIPS = 2  # lines beside a byline that it goes on after
_BYLINE_GAP = 2.5  # line heights: a byline's lines follow each other closely (double-spaced in a manuscript)
_MARKS = "*∗†‡§¶#✉⇑※•·⁎"
_NAME_SPLIT_RE = re.compile(r"\s*(?:[,;·•]|\band\b|\bAND\b|&)\s*")
_NAME_TOKEN_RE = re.compile(r"^(?:[A-ZÀ-ÞĀ-Ž][\w'’.\-\u2010\u2011]*|(?:[A-Z]\.)+(?:-[A-Z]\.)?|[a-z]{1,3}(?:-[A-Z][\w'’\-]*)?)$")
_PARTICLES = frozenset("van von de der den del della di da dos das du la le ten ter bin ben al el y e".split())
_MAX_NAME_TOKENS = 6
_HISTORY_RE = re.compile(r"\b(?:submitted|received|accepted|published|cite this article|supplementary materials?)\b", re.IGNORECASE)
_DOI_LINE = 60  # characters: a line that prints a DOI on its own (not a reference entry)
_MASTHEAD_RE = re.compile(
    r"^(?:(?:to\s+)?cite\s+this(?:\s+article)?\s*:|to\s+link\s+to\s+this\s+article\s*:|e?-?ISSN\b|journal\s+homepage\s*:"
    r"|view\s+(?:article|journal)\s+online\b)",
    re.IGNORECASE,
)
_MASTHEAD_LINES = 12  # at most this many lines above the title are a masthead (more: the title was misread)
_APART = 2.0  # line heights: a banner beside the title has no line this close under it
_DISPLAY_SIZE = 1.5  # a masthead's display type: at least this many times the body size
_FOOTNOTE_SIZE = 0.9  # a footnote is set at most this share of the body size
_FOOTNOTE_MARKS = _MARKS + "©⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠᵍ"
_COVER_WORDS = 250  # a cover page prints fewer words than this

_YEAR = r"(?:19|20)\d{2}"
_NAME = r"(?P<journal>[A-Za-z][\w&.’'()\-: ]{0,60}?)"
_JOURNAL_RES = (
    # "Diabetologia (2024) 67:940–951", "RNA (2012), 18:2056"
    re.compile(rf"^{_NAME}\s*,?\s*\({_YEAR}\)\s*[,;:]?\s*\d"),
    # "Nucleic Acids Research, 2024, 52, 6614", "G3, 2024, 14(3)", "GENETICS, 2021, Vol. 219"
    re.compile(rf"^{_NAME}\s*,\s*{_YEAR}\s*[,;]\s*(?:Vol\.?\s*)?\d"),
    # "FEBS Letters 589 (2015) 3–14"
    re.compile(rf"^{_NAME}\s+\d{{1,4}}\s*\({_YEAR}\)"),
    # "Postgrad Med J 2010;86:272", "Dev Cell. 2023 November 06; 58(21)", "BMC Health Services Research 2014, 14:1"
    re.compile(rf"^{_NAME}\.?\s+{_YEAR}(?:\s+[A-Z][a-z]{{2,8}}(?:\s+\d{{1,2}})?)?\s*[;,]\s*\d+"),
    # "Journal of Cell Science 115, 827-838 (2002)", "Science 363, 1463–1467 (2019)"
    re.compile(rf"^{_NAME}\s+\d{{1,4}}\s*,\s*[\dA-Za-z]+\s*[-–]\s*[\dA-Za-z]+\s*\({_YEAR}\)"),
    # "Nature Communications | (2024) 15:1181", "Molecular Biology of the Cell • 35:ar39, 1–14, March 1, 2024"
    re.compile(rf"^{_NAME}\s*[|•·]\s*\(?(?:{_YEAR}\)|\d{{1,4}}\s*:)"),
    # "(2017), PeerJ Comput. Sci., DOI 10.7717/…" (after "Webb et al.")
    re.compile(rf"^\({_YEAR}\),\s*{_NAME}\s*,\s*(?:DOI|doi)\b"),
)
_PREPRINT_RE = re.compile(rf"^(?P<journal>[A-Za-z][\w-]{{1,20}}) preprint\b.*?\b(?:posted|online)\b[^0-9]*?(?:\d{{1,2}},?\s*)?(?P<year>{_YEAR})", re.IGNORECASE)
_VOLUME_LINE_RE = re.compile(rf"^Volume\s+{_YEAR}\s*,\s*Article", re.IGNORECASE)  # under the journal's name
_LEAD_RE = re.compile(r"^(?:.*?\bet al\.,?\s*|\d{1,4}\s*[|•]\s*|\d{1,4}\s+(?=[A-Z])|cite this:\s*|published in final edited form as:\s*)", re.IGNORECASE)


@dataclass
class FrontMatter:
    """What the first page and the metadata say about the article."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    lines: list[Line] = field(default_factory=list)  # the first page's front-matter lines
    furniture: list[Line] = field(default_factory=list)  # the first page's furniture lines

    def holds(self, line: Line) -> bool:
        """True when ``line`` is a front-matter line (or its first piece, when the layout split it at
        a column gutter: the other pieces are the next column's text on the same baseline)."""
        return _among(line, self.lines)

    def is_furniture(self, line: Line) -> bool:
        """True when ``line`` is first-page furniture (see the module docstring)."""
        return _among(line, self.furniture)


def _among(line: Line, lines: list[Line]) -> bool:
    return any(
        f.page == line.page and abs(f.top - line.top) < 0.5 and abs(f.x0 - line.x0) < 1.0 and line.x1 <= f.x1 + 0.5
        for f in lines
    )


def read_front_matter(
    meta: dict[str, str], first: list[Line], early: list[list[Line]], raw: tuple[str, str], body: float
) -> FrontMatter:
    """Read the front matter (see the module docstring).

    Args:
        meta: The PDF's document information (Title, Author, Subject …).
        first: The first page's lines, running headers removed.
        early: The first pages' lines before their running headers were removed.
        raw: The plain text of the first and the last page (PDFium's, in content order).
        body: The body font size.
    """
    out = FrontMatter()
    ordered = sorted(first, key=lambda ln: (ln.top, ln.x0))
    out.title, title_lines = _title(meta, ordered, body)
    byline, out.authors = _byline(ordered, title_lines)
    if not out.authors:
        out.authors = _meta_authors(meta.get("Author", ""))
    if title_lines:
        out.lines = [*title_lines, *byline, *_affiliations(ordered, byline or title_lines)]
    out.furniture = _furniture(ordered, title_lines, body)
    out.journal, year = _journal(early, meta.get("Subject", ""))
    first_text = " ".join(line_text(ln) for ln in ordered)
    out.year = year or _year(meta, first_text)
    out.doi = _doi(meta, *(re.sub(r"[\u200b\u2009\u00ad]", "", text) for text in raw))
    return out


# --- title ------------------------------------------------------------------------------


def _title(meta: dict[str, str], ordered: list[Line], body: float) -> tuple[str | None, list[Line]]:
    meta_title = meta.get("Title", "")
    usable = bool(meta_title) and not _JUNK_TITLE_RE.match(meta_title) and len(meta_title.split()) >= 2
    if usable:
        # The metadata title, confirmed (and completed: metadata is often cut) by first-page text.
        confirmed = _confirmed_title(meta_title, ordered)
        if confirmed is not None:
            return confirmed
    candidates = _title_candidates(ordered, body * _TITLE_SIZE)
    if not candidates:
        # No larger type: the first bold run of the page's upper half, else its first run.
        upper = [ln for ln in ordered if ln.top < 0.5 * max((x.bottom for x in ordered), default=1)]
        runs = sorted(_title_candidates(upper, body * 0.95), key=lambda c: c[2][0].top)
        candidates = [c for c in runs if all(ln.bold for ln in c[2])] or runs
    # The run right above a byline (a masthead may be set larger than the title), else the largest.
    gaps = {id(c): _byline_gap(ordered, c[2]) for c in candidates}
    bylined = sorted((c for c in candidates if gaps[id(c)] is not None), key=lambda c: gaps[id(c)])
    if bylined or candidates:
        return (bylined or candidates)[0][1], (bylined or candidates)[0][2]
    return (meta_title if usable else None), []


def _byline_gap(ordered: list[Line], run: list[Line]) -> float | None:
    """How far under ``run`` a byline starts, or None when no byline follows it."""
    lines, names = _byline(ordered, run)
    return lines[0].top - run[-1].bottom if names else None


def _title_candidates(ordered: list[Line], min_size: float) -> list[tuple[float, str, list[Line]]]:
    """Runs of consecutive lines of one font size (at least ``min_size``), largest first."""
    runs: list[list[Line]] = []
    for ln in ordered:
        if ln.size < min_size:
            continue
        if runs and abs(runs[-1][-1].size - ln.size) < 0.6 and runs[-1][-1].bold == ln.bold and -0.6 * ln.size <= ln.top - runs[-1][-1].bottom < 1.2 * ln.size:
            runs[-1].append(ln)
        else:
            runs.append([ln])
    out = []
    for run in runs:
        text = _joined([line_text(ln) for ln in run])
        if 3 <= len(text.split()) <= 50 and not _NOT_TITLE_RE.search(text) and sum(c.isalpha() for c in text) > 0.6 * len(text):
            out.append((run[0].size, text, run))
    return sorted(out, key=lambda c: -c[0])


def _joined(texts: list[str]) -> str:
    text = " ".join(" ".join(texts).split())
    return re.sub(r"(\w)[-\u2010\u2011] (\w)", r"\1-\2", text)


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", s.lower()).split())


def _confirmed_title(meta_title: str, ordered: list[Line]) -> tuple[str, list[Line]] | None:
    """The consecutive lines that spell the metadata title, or None when the page does not show it."""
    from rapidfuzz import fuzz

    target = _norm(meta_title)
    best, best_score = None, 0.0
    for i, first in enumerate(ordered):
        if fuzz.partial_ratio(_norm(line_text(first)), target) < 90:
            continue
        # The lines under it in its column (in a two-column page, the other column's lines come between).
        column = [ln for ln in ordered[i + 1 :] if min(ln.x1, first.x1) - max(ln.x0, first.x0) > 0][:5]
        run, score = [first], fuzz.ratio(_norm(line_text(first)), target)
        for nxt in column:
            longer = fuzz.ratio(_norm(_joined([line_text(x) for x in [*run, nxt]])), target)
            if longer <= score:
                break
            run, score = [*run, nxt], longer
        if score > best_score:
            best, best_score = run, score
    if best is None or best_score < 85:
        return None
    return _joined([line_text(x) for x in best]), best


# --- byline -----------------------------------------------------------------------------


def _byline(ordered: list[Line], title_lines: list[Line]) -> tuple[list[Line], list[str]]:
    """The lines under the title that list the authors, and their names."""
    if not title_lines:
        return [], []
    left, right = min(ln.x0 for ln in title_lines), max(ln.x1 for ln in title_lines)
    after = [
        ln for ln in ordered
        if ln.top > title_lines[-1].top and ln not in title_lines and min(ln.x1, right) > max(ln.x0, left)  # under the title
    ][:_BYLINE_WINDOW]
    for i, ln in enumerate(after):
        names = _names(_plain(ln))
        if not names:
            continue
        lines, misses = [ln], 0
        for nxt in after[i + 1 :]:
            last = lines[-1]
            if abs(nxt.top - last.top) < 0.5 * nxt.size and nxt.x0 >= last.x1 - 2 * nxt.size:
                lines.append(nxt)  # the rest of the same printed line ("…, Marimikel"), or marks set apart
                continue
            longer = _names(" ".join(_plain(x) for x in [*lines, nxt]))  # a name may wrap: "Marimikel" / "Charrier"
            if len(longer) <= len(names) or nxt.top - last.bottom > _BYLINE_GAP * nxt.size:
                misses += 1  # a line beside the byline ("Received: 1 April 2023")
                if misses > _BYLINE_SKIPS:
                    break
                continue
            lines.append(nxt)
            names = longer
        return lines, _names(" ".join(_plain(x) for x in lines)) or names
    return [], []


def _plain(line: Line) -> str:
    """A line's text without superscripts (affiliation marks), marks and digits."""
    words = []
    for word in line.words:
        text = "".join(c.text if not c.superscript else "," for c in word.chars)
        words.append(text)
    text = " ".join(words)
    text = re.sub(rf"[{re.escape(_MARKS)}]|[\ue000-\uf8ff]", " ", text)  # marks, icons (ORCID)
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ]+", ",", text)  # marks set as superscript characters
    text = re.sub(r"(?<=[^\W\d])\d+(?:,\d+)*", ",", text)  # "Truex1,2" → "Truex,"
    text = re.sub(r"(?:^|\s)[\d,]+(?=\s|$)", " ,", text)  # "Bean 1,5" → "Bean ,"
    return " ".join(text.split())


def _names(text: str) -> list[str]:
    """The names a byline lists, or [] when the text is not a list of names."""
    pieces = [p.strip(" .,") for p in _NAME_SPLIT_RE.split(text)]
    pieces = [p for p in pieces if p and name_key(p) not in DEGREES]
    if not pieces:
        return []
    names = [p for p in pieces if _is_name(p)]
    return names if len(names) >= max(1, 0.75 * len(pieces)) else []


def _is_name(piece: str) -> bool:
    tokens = piece.split()
    if not 2 <= len(tokens) <= _MAX_NAME_TOKENS or any(ch.isdigit() for ch in piece):
        return False
    if any(name_key(t) in AFFILIATION_WORDS for t in tokens):
        return False
    return all(_NAME_TOKEN_RE.match(t) or t.lower() in _PARTICLES for t in tokens) and any(c.isupper() for c in tokens[-1])


def _affiliations(ordered: list[Line], above: list[Line]) -> list[Line]:
    """The lines right under the byline that give affiliations or correspondence."""
    if not above:
        return []
    out: list[Line] = []
    for ln in [x for x in ordered if x.top > above[-1].top and x not in above]:
        text = line_text(ln)
        first = ln.words[0].chars[0] if ln.words and ln.words[0].chars else None
        marked = first is not None and (first.superscript or first.text in _MARKS or first.text.isdigit())
        words = {name_key(w) for w in re.findall(r"[A-Za-z]+", text)}
        prev = out[-1] if out else None
        goes_on = prev is not None and abs(prev.size - ln.size) < 0.3 and prev.font == ln.font and ln.top - prev.bottom < ln.size
        if not (marked or "@" in text or words & AFFILIATION_WORDS or goes_on):
            break
        out.append(ln)
    return out


# --- furniture --------------------------------------------------------------------------


def _furniture(ordered: list[Line], title_lines: list[Line], body: float) -> list[Line]:
    """The first page's masthead, citation lines and foot-of-column footnotes (module docstring)."""
    out: list[Line] = []
    if title_lines:
        top, left, right = min(ln.top for ln in title_lines), min(ln.x0 for ln in title_lines), max(ln.x1 for ln in title_lines)
        # Over the title, or beside it when set apart (not the head of a column of running text
        # beside the title), or a masthead in display type.
        above = [
            ln for ln in ordered
            if ln.bottom < top and (min(ln.x1, right) > max(ln.x0, left) or _set_apart(ln, ordered) or ln.size >= _DISPLAY_SIZE * body)
        ]
        if len(above) <= _MASTHEAD_LINES and top < 0.5 * max(ln.bottom for ln in ordered):
            out += above
    out += [ln for ln in ordered if ln not in out and _is_masthead(" ".join(line_text(ln).split()))]
    return out + _footnotes([ln for ln in ordered if ln not in out and ln not in title_lines], body)


def _set_apart(line: Line, ordered: list[Line]) -> bool:
    """No line follows ``line`` closely in its column ("Open Access" at the top right of a page)."""
    under = [ln for ln in ordered if ln.top > line.top and min(ln.x1, line.x1) > max(ln.x0, line.x0)]
    return not under or under[0].top - line.bottom > _APART * line.size


def _is_masthead(text: str) -> bool:
    return bool(_MASTHEAD_RE.match(text)) or (len(text) < 200 and _citation(text) is not None)


def _footnotes(ordered: list[Line], body: float) -> list[Line]:
    """Blocks in small type at the foot of a column, opened by a mark ("³Corresponding author",
    "ᵃDepartment of …", "© 2024 …") right under the column's running text."""
    out: list[Line] = []
    for k, ln in enumerate(ordered):
        if ln in out or not _small(ln, body) or not _marked(ln):
            continue
        column = [x for x in ordered if min(x.x1, ln.x1) - max(x.x0, ln.x0) > 0]
        at = column.index(ln)
        below = column[at + 1 :]
        if at == 0 or _small(column[at - 1], body) or not all(_small(x, body) for x in below):
            continue
        out += [ln, *below]
    return out


def _small(line: Line, body: float) -> bool:
    return line.size <= _FOOTNOTE_SIZE * body


def _marked(line: Line) -> bool:
    first = line.words[0].chars[0] if line.words and line.words[0].chars else None
    return first is not None and (first.superscript or first.text in _FOOTNOTE_MARKS)


def is_cover_page(front: FrontMatter, first: list[Line], following: list[Line]) -> bool:
    """True when the first page is a publisher's cover page: few words, and the next page prints
    the title again."""
    words = sum(len(line_text(ln).split()) for ln in first)
    if front.title is None or words >= _COVER_WORDS:
        return False
    return _confirmed_title(front.title, sorted(following, key=lambda ln: (ln.top, ln.x0))) is not None


def _meta_authors(author: str) -> list[str]:
    if not author or " " not in author.strip() or re.search(r"administrator|user|^\W*$", author, re.IGNORECASE):
        return []
    author = re.sub(r"\s*\{?\bet al\.?\}?", "", author)
    return [a.strip() for a in re.split(r"\s*(?:;|,| and |&)\s*", author) if a.strip() and " " in a.strip()]


# --- journal, year, DOI -------------------------------------------------------------------


def _journal(early: list[list[Line]], subject: str) -> tuple[str | None, int | None]:
    """The journal and year of a citation line on the first pages, else of the metadata subject."""
    for page in early:
        ordered = sorted(page, key=lambda ln: (ln.top, ln.x0))
        texts = [" ".join(line_text(ln).split()) for ln in ordered]
        for k, text in enumerate(texts):
            found = _citation(text)
            nxt = texts[k + 1] if k + 1 < len(texts) else ""
            if found is None and _VOLUME_LINE_RE.match(nxt) and _is_journal_name(text):
                found = (text, int(_YEAR_RE.search(nxt).group(1)))  # "Rehabilitation Research and Practice" / "Volume 2010, …"
            if found is None and name_key(text) == "journal" and _is_journal_name(re.split(r",|\d", nxt)[0]):
                found = (re.split(r",|\d", nxt)[0], None)  # a repository's cover page: "Journal" / "Developmental Cell, 58(21)"
            if found is not None:
                return _display(found[0]), found[1]
    subject = DOI_RE.sub("", subject)
    match = re.match(r"^([A-Za-z][^,;0-9()]{2,80}?)[,;]?\s*(?:\(?\d{4}\)?|\d+\s*[:(]|(?:doi|https?)\b)", subject)
    if match and _is_journal_name(match.group(1)):
        return _display(match.group(1).strip()), None
    named = re.search(r";\s*([A-Z][^;,]*(?::[^;,]+)?),\s*\d", subject)  # "DOI: …; G3: Genes, Genomes, Genetics, 14, 3, …"
    if named and _is_journal_name(named.group(1)):
        return named.group(1).strip(), None
    return None, None


def _citation(text: str) -> tuple[str, int | None] | None:
    preprint = _PREPRINT_RE.match(text)
    if preprint:
        return preprint.group("journal"), int(preprint.group("year"))
    text = _LEAD_RE.sub("", text, count=1)
    for pattern in _JOURNAL_RES:
        match = pattern.match(text)
        name = re.sub(r"\s+\d+$", "", match.group("journal").strip(" ,;.|")) if match else ""  # "FEBS Letters 589"
        if match and _is_journal_name(name):
            year = _YEAR_RE.search(text)
            return name, int(year.group(1)) if year else None
    return None


def _is_journal_name(name: str) -> bool:
    name = name.strip(" ,;.|")
    return (
        1 <= len(name.split()) <= 10
        and any(c.isupper() for c in name)
        and any(c.isupper() for c in name.split()[0])  # "Nature", "mBio"; not "pression. Dev Dyn" (a sentence's end)
        and not re.search(r"\b(?:doi|https?|www|downloaded|copyright|licen[cs]e|received|accepted|published)\b|@|©", name, re.IGNORECASE)
    )


def _display(name: str) -> str:
    """A journal name as a title ("GENETICS" → "Genetics"; "RNA" stays)."""
    name = " ".join(name.strip(" ,;.|").split())
    if name.isupper() and len(name) > 4:
        return " ".join(w if len(w) <= 3 and w != "OF" else w.capitalize() for w in name.title().split())
    return name


def _year(meta: dict[str, str], first_text: str) -> int | None:
    years = [int(y) for y in _YEAR_RE.findall(DOI_RE.sub("", meta.get("Subject", "")))]
    if not years:
        text = DOI_RE.sub("", first_text[:3000])
        years = [int(y) for y in _YEAR_RE.findall(text) if 1900 <= int(y) <= 2100]
    if not years and meta.get("CreationDate", "")[2:6].isdigit():
        years = [int(meta["CreationDate"][2:6])]
    return max(set(years), key=years.count) if years else None


def _doi(meta: dict[str, str], first: str, last: str) -> str | None:
    """The DOI of the metadata, else of the first page, else one the last page prints beside its
    publication history, citation note or supplementary material (not a reference's)."""
    found = DOI_RE.search(meta.get("Subject", "") + " " + meta.get("doi", "")) or DOI_RE.search(first)
    if found is None:
        lines = [ln.strip() for ln in last.splitlines() if ln.strip()]
        for k, text in enumerate(lines):
            match = DOI_RE.search(text)
            if match is None or len(text) > _DOI_LINE:
                continue
            beside = " ".join(lines[max(0, k - 1) : k + 2])
            if _HISTORY_RE.search(beside):
                found = match
                break
    return found.group(1) if found else None

