"""``citeqa bench-pdf``: how faithfully citeqa ingests a folder of real PDFs, beside poppler's ``pdftotext``.

For every PDF of the folder: pages, parse time (extraction + structure), tables found (and the
``Table N`` captions the text shows), references parsed, in-text citations linked to a parsed
reference, and whether the title is right (against a JSON file of true titles keyed by file stem).
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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from citeqa.eval.litqa2 import key_extracted
from citeqa.eval.numbers import normalise_text

DEFAULT_TITLES = Path(__file__).with_name("pdf_titles.json")
_CAPTION_RE = re.compile(r"^\s*Table\s+(\d{1,2}|[IVX]{1,4})\b\s*(?:[.:|]|\s+[A-Z(])", re.MULTILINE)


class BenchPdfError(RuntimeError):
    """The PDF folder, question file or titles file is missing or malformed."""


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
    title: str | None = None
    expected_title: str | None = None
    title_ok: bool | None = None
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
            "titles_right": sum(1 for f in titled if f.title_ok),
            "titles_checked": len(titled),
            "key_passages": sum(f.keys for f in ok),
            "keys_citeqa": sum(f.keys_citeqa for f in ok),
        }
        if self.pdftotext:
            out["keys_pdftotext"] = sum(f.keys_pdftotext or 0 for f in ok)
            tt = [f.pdftotext_seconds for f in ok if f.pdftotext_seconds]
            out["pdftotext_pages_per_second"] = round(pages / sum(tt), 2) if tt else None
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "totals": self.totals(), "files": [asdict(f) for f in self.files]}


def load_titles(path: Path | None) -> dict[str, str]:
    """True titles by file stem (keys starting with ``_`` are comments)."""
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BenchPdfError(f"{path}: not valid JSON ({exc})") from exc
    return {k: str(v) for k, v in data.items() if not k.startswith("_")}


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


def bench_file(path: Path, keys: Sequence[str], expected_title: str | None, with_pdftotext: bool) -> FileResult:
    """Ingest one PDF and measure it."""
    from citeqa.ingest.errors import IngestError
    from citeqa.ingest.pipeline import parse_document

    result = FileResult(name=path.name, expected_title=expected_title, keys=len(keys))
    started = time.perf_counter()
    try:
        doc = parse_document(path)
    except IngestError as exc:
        result.error = str(exc)
        return result
    result.seconds = time.perf_counter() - started
    result.pages = len(doc.pages)
    result.tables = len(doc.tables)
    result.tables_with_rows = sum(1 for t in doc.tables if t.rows)
    result.references = len(doc.references)
    numbers = {r.number for r in doc.references}
    result.citations_linked = sum(1 for c in doc.citations if c.numbers and set(c.numbers) <= numbers)
    result.title = doc.title
    if expected_title is not None:
        result.title_ok = title_matches(doc.title, expected_title)
    result.keys_citeqa = sum(key_extracted(k, doc.text) for k in keys)
    if with_pdftotext:
        text, result.pdftotext_seconds = pdftotext_text(path)
        result.keys_pdftotext = sum(key_extracted(k, text) for k in keys)
        result.captions_seen = len({m.group(1) for m in _CAPTION_RE.finditer(text)})
    return result


def run_bench(
    folder: Path,
    questions: Path | None = None,
    titles: Path | None = DEFAULT_TITLES,
    *,
    with_pdftotext: bool = True,
    progress: bool = False,
) -> BenchResult:
    """Measure every PDF of ``folder`` (recursively).

    Args:
        folder: A folder of PDFs.
        questions: LitQA2-style JSONL with ``doc`` (file stem) and ``key_passage``.
        titles: JSON of true titles by file stem.
        with_pdftotext: Also run poppler's ``pdftotext`` (skipped when it is not installed).
        progress: A progress bar on stderr.

    Raises:
        BenchPdfError: No folder or no PDF in it; malformed question or titles file.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf") if folder.is_dir() else []
    if not files:
        raise BenchPdfError(f"no PDF files in {folder}")
    keys, expected = load_key_passages(questions), load_titles(titles)
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
    )
    if t["titles_checked"]:
        lines.append(f"titles right: {t['titles_right']}/{t['titles_checked']}")
    if per_file:
        lines.append("")
        lines.append(f"{'file':<48} {'pages':>5} {'p/s':>6} {'tables':>7} {'refs':>5} {'keys':>9} {'title'}")
        for f in result.files:
            if f.error:
                lines.append(f"{f.name[:48]:<48} error: {f.error}")
                continue
            pps = f"{f.pages / f.seconds:.1f}" if f.seconds else "-"
            key = f"{f.keys_citeqa}/{f.keys}" + (f" ({f.keys_pdftotext})" if f.keys_pdftotext is not None else "")
            mark = "" if f.title_ok is None else ("ok " if f.title_ok else "BAD ")
            tables = f"{f.tables}/{f.captions_seen}"
            lines.append(
                f"{f.name[:48]:<48} {f.pages:>5} {pps:>6} {tables:>7} {f.references:>5} {key:>9} {mark}{(f.title or '')[:70]!r}"
            )
    return "\n".join(lines)
