"""``citeqa bench-pdf``: how faithfully citeqa ingests a folder of real PDFs, beside poppler's ``pdftotext``.

For every PDF of the folder: pages, parse time (extraction + structure), tables found (and the
``Table N`` captions the text shows), references parsed, in-text citations linked to a parsed
reference, and — against a JSON file of true facts keyed by file stem (``eval/pdf_metadata.json``) —
whether title, first author, author count, journal, year and DOI are right, and how the document's
sections compare with the paper's top-level headings: precision (the share of the document's
top-level sections that are real top-level headings) and recall (the share of real top-level
headings found as a section at any level), headings matched one to one after normalisation
(numbering, case, spacing and punctuation dropped).
With a LitQA2-style question file (``{"doc", "key_passage"}`` per line), the share of key passages
found as contiguous text in citeqa's document and in ``pdftotext``'s reading-order output, after the
same normalisation (case, whitespace, hyphenation, ligatures, punctuation: see
``citeqa.eval.litqa2.key_extracted``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import unicodedata

from citeqa.eval.litqa2 import key_extracted
from citeqa.eval.numbers import normalise_text

DEFAULT_TRUTH = Path(__file__).with_name("pdf_metadata.json")
_NUMBERING_RE = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,5})\.?\s+(?=\w)")
_CAPTION_RE = re.compile(r"^\s*Table\s+(\d{1,2}|[IVX]{1,4})\b\s*(?:[.:|]|\s+[A-Z(])", re.MULTILINE)


class BenchPdfError(RuntimeError):
    """The PDF folder, question file or truth file is missing or malformed."""


@dataclass
class Truth:
    """What a PDF really says (see ``eval/pdf_metadata.json``); None: not checked."""

    title: str | None = None
    first_author: str | None = None
    authors: int | None = None
    journal: list[str] = field(default_factory=list)
    year: int | None = None
    doi: str | None = None
    sections: list[str] | None = None


@dataclass
class FileResult:
    """One PDF's figures."""

    name: str
    pages: int = 0
    seconds: float = 0.0
    pdftotext_seconds: float | None = None
    tables: int = 0
    tables_with_rows: int = 0
    captions_seen: int = 0
    references: int = 0
    citations_linked: int = 0
    citations_by_kind: dict[str, int] = field(default_factory=dict)  # linked citations per Citation.kind
    title: str | None = None
    expected_title: str | None = None
    title_ok: bool | None = None
    authors: list[str] = field(default_factory=list)
    first_author_ok: bool | None = None
    author_count_ok: bool | None = None
    journal: str | None = None
    journal_ok: bool | None = None
    year: int | None = None
    year_ok: bool | None = None
    doi: str | None = None
    doi_ok: bool | None = None
    sections_top: int = 0  # the document's top-level sections …
    sections_top_right: int = 0  # … that are real top-level headings
    headings: int = 0  # the paper's top-level headings …
    headings_found: int = 0  # … found as a section (any level)
    sections_extra: list[str] = field(default_factory=list)
    headings_missed: list[str] = field(default_factory=list)
    keys: int = 0
    keys_citeqa: int = 0
    keys_pdftotext: int | None = None
    error: str | None = None


@dataclass
class BenchResult:
    """Totals over the folder, and each file's figures."""

    folder: str
    files: list[FileResult] = field(default_factory=list)
    pdftotext: bool = False

    def totals(self) -> dict[str, Any]:
        ok = [f for f in self.files if f.error is None]
        pages = sum(f.pages for f in ok)
        seconds = sum(f.seconds for f in ok)
        titled = [f for f in ok if f.title_ok is not None]
        scored = [f for f in ok if f.headings]
        out: dict[str, Any] = {
            "files": len(self.files),
            "failed": len(self.files) - len(ok),
            "pages": pages,
            "seconds": round(seconds, 2),
            "pages_per_second": round(pages / seconds, 2) if seconds else None,
            "tables": sum(f.tables for f in ok),
            "tables_with_rows": sum(f.tables_with_rows for f in ok),
            "captions_seen": sum(f.captions_seen for f in ok),
            "references": sum(f.references for f in ok),
            "files_with_references": sum(1 for f in ok if f.references),
            "citations_linked": sum(f.citations_linked for f in ok),
            "citations_by_kind": _sum_counts(f.citations_by_kind for f in ok),
            "titles_right": sum(1 for f in titled if f.title_ok),
            "titles_checked": len(titled),
            **{f"{name}_right": sum(1 for f in ok if getattr(f, f"{name}_ok")) for name in _FACTS},
            **{f"{name}_checked": sum(1 for f in ok if getattr(f, f"{name}_ok") is not None) for name in _FACTS},
            "section_files": len(scored),
            "sections_top": sum(f.sections_top for f in scored),
            "sections_top_right": sum(f.sections_top_right for f in scored),
            "headings": sum(f.headings for f in scored),
            "headings_found": sum(f.headings_found for f in scored),
            "key_passages": sum(f.keys for f in ok),
            "keys_citeqa": sum(f.keys_citeqa for f in ok),
        }
        if self.pdftotext:
            out["keys_pdftotext"] = sum(f.keys_pdftotext or 0 for f in ok)
            tt = [f.pdftotext_seconds for f in ok if f.pdftotext_seconds]
            out["pdftotext_pages_per_second"] = round(pages / sum(tt), 2) if tt else None
        return out

    def section_scores(self) -> tuple[float | None, float | None]:
        """Section precision and recall over the folder (None without checked files)."""
        t = self.totals()
        precision = t["sections_top_right"] / t["sections_top"] if t["sections_top"] else None
        recall = t["headings_found"] / t["headings"] if t["headings"] else None
        return precision, recall

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "totals": self.totals(), "files": [asdict(f) for f in self.files]}


_FACTS = ("first_author", "author_count", "journal", "year", "doi")


def _sum_counts(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    return dict(total.most_common())


def load_truth(path: Path | None) -> dict[str, Truth]:
    """True facts by file stem (keys starting with ``_`` are comments); a value that is a plain
    string is a title."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BenchPdfError(f"{path}: not valid JSON ({exc})") from exc
    out: dict[str, Truth] = {}
    for stem, value in data.items():
        if stem.startswith("_"):
            continue
        if isinstance(value, str):
            out[stem] = Truth(title=value)
            continue
        try:
            out[stem] = Truth(**{**value, "journal": list(value.get("journal") or [])})
        except TypeError as exc:
            raise BenchPdfError(f"{path}: entry {stem!r}: {exc}") from exc
    return out


def heading_key(title: str) -> str:
    """A heading without its numbering, case, accents, spacing and punctuation
    ("2. Results and Discussion" → "resultsanddiscussion")."""
    text = unicodedata.normalize("NFKD", _NUMBERING_RE.sub("", title))
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _same_heading(a: str, b: str) -> bool:
    from rapidfuzz import fuzz

    return a == b or (min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 90)


def match_headings(found: Sequence[str], expected: Sequence[str]) -> tuple[list[str], list[str]]:
    """Match found to expected headings one to one (in order of ``found``).

    Returns:
        ``(matched, unmatched)``: the found headings that have a partner, and those that have none.
    """
    free = [heading_key(h) for h in expected]
    matched, unmatched = [], []
    for title in found:
        key = heading_key(title)
        k = next((k for k, other in enumerate(free) if other is not None and _same_heading(key, other)), None)
        if k is None:
            unmatched.append(title)
        else:
            free[k] = None
            matched.append(title)
    return matched, unmatched


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def journal_matches(found: str | None, names: Sequence[str]) -> bool:
    """The journal is one of its accepted names, up to case, spacing and punctuation."""
    if not found:
        return False
    key = heading_key(found)
    return any(key == heading_key(name) for name in names)


def score_facts(result: FileResult, doc: Any, truth: Truth) -> None:
    """Set ``result``'s fact and section scores for ``doc`` (a Document) against ``truth``."""
    if truth.first_author is not None:
        first = _folded(doc.authors[0]) if doc.authors else ""
        result.first_author_ok = bool(re.search(rf"(?<!\w){re.escape(_folded(truth.first_author))}(?!\w)", first))
    if truth.authors is not None:
        result.author_count_ok = len(doc.authors) == truth.authors
    if truth.journal:
        result.journal_ok = journal_matches(doc.journal, truth.journal)
    if truth.year is not None:
        result.year_ok = doc.year == truth.year
    if truth.title is not None and (truth.first_author is not None or truth.journal):  # a full entry: DOI too
        result.doi_ok = (doc.doi or "").lower().rstrip(".") == (truth.doi or "").lower()
    if truth.sections:
        levels = [s.level for s in doc.sections]
        top = [s.title for s in doc.sections if s.level == min(levels)]
        right, result.sections_extra = match_headings(top, truth.sections)
        result.sections_top, result.sections_top_right = len(top), len(right)
        found, _ = match_headings(truth.sections, [s.title for s in doc.sections])
        result.headings, result.headings_found = len(truth.sections), len(found)
        keys = {heading_key(h) for h in found}
        result.headings_missed = [h for h in truth.sections if heading_key(h) not in keys]


def load_key_passages(path: Path | None) -> dict[str, list[str]]:
    """Key passages by document stem from a LitQA2-style JSONL file."""
    if path is None:
        return {}
    if not Path(path).is_file():
        raise BenchPdfError(f"no question file at {path}")
    out: dict[str, list[str]] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise BenchPdfError(f"{path}:{number}: not valid JSON ({exc})") from exc
        if data.get("doc") and data.get("key_passage"):
            out.setdefault(str(data["doc"]), []).append(str(data["key_passage"]))
    return out


def title_matches(found: str | None, expected: str) -> bool:
    """Same title up to case, spacing, punctuation and hyphenation (or ≥ 95% similar)."""
    if not found:
        return False
    a, b = normalise_text(found), normalise_text(expected)
    if a == b:
        return True
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) >= 95


def pdftotext_text(path: Path) -> tuple[str, float]:
    """poppler's reading-order text of ``path`` and the seconds it took."""
    started = time.perf_counter()
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False)
    return run.stdout.decode("utf-8", errors="replace"), time.perf_counter() - started


def bench_file(path: Path, keys: Sequence[str], truth: Truth | None, with_pdftotext: bool) -> FileResult:
    """Ingest one PDF and measure it."""
    from citeqa.ingest.errors import IngestError
    from citeqa.ingest.pipeline import parse_document

    truth = truth or Truth()
    result = FileResult(name=path.name, expected_title=truth.title, keys=len(keys))
    started = time.perf_counter()
    try:
        doc = parse_document(path)
    except IngestError as exc:
        result.error = str(exc)
        return result
    result.seconds = time.perf_counter() - started
    result.pages = len(doc.pages)
    # A table continued on later pages counts once, with rows when any part has them.
    result.tables = sum(1 for t in doc.tables if t.continuation_of is None)
    result.tables_with_rows = len({t.continuation_of or t.start for t in doc.tables if t.rows})
    result.references = len(doc.references)
    numbers = {r.number for r in doc.references}
    linked = [str(c.kind) for c in doc.citations if c.numbers and set(c.numbers) <= numbers]
    result.citations_linked = len(linked)
    result.citations_by_kind = dict(Counter(linked))
    result.title = doc.title
    if truth.title is not None:
        result.title_ok = title_matches(doc.title, truth.title)
    result.authors, result.journal, result.year, result.doi = list(doc.authors), doc.journal, doc.year, doc.doi
    score_facts(result, doc, truth)
    result.keys_citeqa = sum(key_extracted(k, doc.text) for k in keys)
    if with_pdftotext:
        text, result.pdftotext_seconds = pdftotext_text(path)
        result.keys_pdftotext = sum(key_extracted(k, text) for k in keys)
        result.captions_seen = len({m.group(1) for m in _CAPTION_RE.finditer(text)})
    return result


def run_bench(
    folder: Path,
    questions: Path | None = None,
    truth: Path | None = DEFAULT_TRUTH,
    *,
    with_pdftotext: bool = True,
    progress: bool = False,
) -> BenchResult:
    """Measure every PDF of ``folder`` (recursively).

    Args:
        folder: A folder of PDFs.
        questions: LitQA2-style JSONL with ``doc`` (file stem) and ``key_passage``.
        truth: JSON of true facts (or titles) by file stem.
        with_pdftotext: Also run poppler's ``pdftotext`` (skipped when it is not installed).
        progress: A progress bar on stderr.

    Raises:
        BenchPdfError: No folder or no PDF in it; malformed question or truth file.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf") if folder.is_dir() else []
    if not files:
        raise BenchPdfError(f"no PDF files in {folder}")
    keys, expected = load_key_passages(questions), load_truth(truth)
    with_pdftotext = with_pdftotext and shutil.which("pdftotext") is not None
    result = BenchResult(folder=str(folder), pdftotext=with_pdftotext)
    iterator: Sequence[Path] = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="bench-pdf", unit="file")
    for path in iterator:
        result.files.append(bench_file(path, keys.get(path.stem, []), expected.get(path.stem), with_pdftotext))
    return result


def to_text(result: BenchResult, per_file: bool = False) -> str:
    """The figures as a few lines of text."""
    t = result.totals()
    lines = [f"{result.folder}: {t['files']} PDFs, {t['pages']} pages, {t['failed']} failed"]
    speed = f"speed: {t['pages_per_second']} pages/s (citeqa parse, one process)"
    if result.pdftotext:
        speed += f"; pdftotext {t['pdftotext_pages_per_second']} pages/s"
    lines.append(speed)
    if t["key_passages"]:
        keys = f"key passages recovered: citeqa {t['keys_citeqa']}/{t['key_passages']}"
        if result.pdftotext:
            keys += f", pdftotext {t['keys_pdftotext']}/{t['key_passages']}"
        lines.append(keys)
    tables = f"tables: {t['tables']} found, {t['tables_with_rows']} with rows"
    if result.pdftotext:
        tables += f" ({t['captions_seen']} distinct 'Table N' captions in pdftotext's text)"
    lines.append(tables)
    lines.append(
        f"references: {t['references']} parsed in {t['files_with_references']} of {t['files'] - t['failed']} files; "
        f"{t['citations_linked']} in-text citations linked"
        + (f" ({', '.join(f'{k} {n}' for k, n in t['citations_by_kind'].items())})" if t["citations_by_kind"] else "")
    )
    if t["titles_checked"]:
        lines.append(f"titles right: {t['titles_right']}/{t['titles_checked']}")
    if any(t[f"{name}_checked"] for name in _FACTS):
        lines.append(
            "right: " + ", ".join(f"{name.replace('_', ' ')} {t[f'{name}_right']}/{t[f'{name}_checked']}" for name in _FACTS)
        )
    precision, recall = result.section_scores()
    if precision is not None or recall is not None:
        lines.append(
            f"sections ({t['section_files']} files): precision {_share(precision)} "
            f"({t['sections_top_right']} of {t['sections_top']} top-level sections are real headings), "
            f"recall {_share(recall)} ({t['headings_found']} of {t['headings']} real top-level headings found)"
        )
    if per_file:
        lines.append("")
        lines.append(f"{'file':<48} {'pages':>5} {'p/s':>6} {'tables':>7} {'refs':>5} {'cites':>5} {'keys':>9} {'title'}")
        for f in result.files:
            if f.error:
                lines.append(f"{f.name[:48]:<48} error: {f.error}")
                continue
            pps = f"{f.pages / f.seconds:.1f}" if f.seconds else "-"
            key = f"{f.keys_citeqa}/{f.keys}" + (f" ({f.keys_pdftotext})" if f.keys_pdftotext is not None else "")
            mark = "" if f.title_ok is None else ("ok " if f.title_ok else "BAD ")
            tables = f"{f.tables}/{f.captions_seen}"
            lines.append(
                f"{f.name[:48]:<48} {f.pages:>5} {pps:>6} {tables:>7} {f.references:>5} {f.citations_linked:>5} {key:>9} "
                f"{mark}{(f.title or '')[:70]!r}"
            )
            lines.extend(_structure_lines(f))
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _structure_lines(f: FileResult) -> list[str]:
    """Indented lines: the facts found (wrong ones marked) and the sections missed or extra."""
    def fact(label: str, value: object, ok: bool | None) -> str:
        return f"{label}={value!r}" + ("" if ok is not False else " BAD")

    authors = f"{(f.authors[0] if f.authors else None)!r}+{max(0, len(f.authors) - 1)}"
    facts = [
        f"authors={authors}" + (" BAD" if f.first_author_ok is False or f.author_count_ok is False else ""),
        fact("journal", f.journal, f.journal_ok), fact("year", f.year, f.year_ok), fact("doi", f.doi, f.doi_ok),
    ]
    out = ["    " + "  ".join(facts)]
    if f.headings:
        out.append(f"    sections: {f.sections_top_right}/{f.sections_top} top-level right, {f.headings_found}/{f.headings} headings found")
        if f.headings_missed:
            out.append(f"      missed: {[h[:40] for h in f.headings_missed]}")
        if f.sections_extra:
            out.append(f"      extra: {[h[:40] for h in f.sections_extra]}")
    return out
