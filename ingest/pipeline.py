"""Entry points: parse a file into a Document, chunk it, list corpus files."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from citeqa.ingest.chunking import chunk_document
from citeqa.ingest.limits import DEFAULT_LIMITS, ParseLimits
from citeqa.ingest.lines import split_lines
from citeqa.ingest.loaders import SUPPORTED_SUFFIXES, load
from citeqa.ingest.markers import find_citations, link_citations
from citeqa.ingest.models import Chunk, Document
from citeqa.ingest.pdf import PdfText
from citeqa.ingest.references import parse_references
from citeqa.ingest.structure import parse_structure
from citeqa.ingest.tables import find_tables

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 500  # longer than any real title (the longest in the shared PDFs is ~200): a run of text, not a title

__all__ = [
    "chunk_document", "file_sha256", "find_corpus_files", "ingest_file", "parse_document", "parse_text", "parser_version",
    "slugify", "source_digest",
]


def source_digest(*packages: Path) -> str:
    """A hash of the Python sources of ``packages`` (file names and bytes, in order): any edit changes it."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted(Path(package).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def parser_version() -> str:
    """A hash of this package's source code: any change to parsing or chunking changes it, so a document parsed
    by another version is parsed again rather than reused."""
    return source_digest(Path(__file__).parent)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks (any size, flat memory)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def slugify(name: str) -> str:
    """Turn a file stem into a doc id: letters and digits of any script in lower case (NFC), runs of
    other characters → ``-`` ("Überblick–研究" → "überblick-研究")."""
    return re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", name).casefold()).strip("-") or "doc"


def parse_text(
    text: str,
    doc_id: str,
    path: str = "",
    kind: str = "txt",
    pages: list[tuple[int, int]] | None = None,
    layout: PdfText | None = None,
) -> Document:
    """Recover a Document's structure from already extracted text.

    Args:
        text: The text (newlines normalised).
        doc_id: The document id.
        path: Where the text came from (informational).
        kind: "txt", "md" or "pdf".
        pages: Page spans for PDFs (default: those of ``layout``).
        layout: What a PDF's layout told: headings (by font), title, authors, journal,
            year, DOI, warnings.

    Returns:
        The parsed Document.
    """
    if layout is not None and pages is None:
        pages = layout.pages
    lines = split_lines(text)
    tables = find_tables(text, lines)
    references = parse_references(text, lines)
    headings = layout.headings if layout is not None else None
    structure = parse_structure(
        text, lines, tables, references, markdown=kind == "md", headings=headings,
        front_end=layout.front_end if layout is not None else 0, main_text=layout.main_text if layout is not None else None,
    )
    doc = Document(
        doc_id=doc_id,
        path=path,
        kind=kind,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=structure.title,
        authors=structure.authors,
        pages=list(pages or []),
        sections=structure.sections,
        paragraphs=structure.paragraphs,
        tables=tables,
        references=references,
        # Markers in the front matter are affiliation marks, not citations.
        citations=find_citations(text, structure.body_start),
    )
    if layout is not None:
        doc.title = layout.title or doc.title
        doc.authors = layout.authors or doc.authors
        doc.journal, doc.year, doc.doi = layout.journal, layout.year, layout.doi
        doc.warnings = list(layout.warnings)
    if doc.title and len(doc.title) > MAX_TITLE_CHARS:
        doc.title = None  # every chunk is indexed with its document's title: it must be one
    link_citations(doc, structure.body_start)
    if doc.pages:
        for item in (*doc.paragraphs, *doc.tables):
            item.page = doc.page_at(item.start)
    return doc


def parse_document(path: Path, doc_id: str | None = None, limits: ParseLimits = DEFAULT_LIMITS) -> Document:
    """Read and parse one .txt, .md or .pdf file.

    Args:
        path: The file.
        doc_id: The id to give it (default: slug of the file stem, e.g. "review").
        limits: What reading it may cost (pages, characters).

    Returns:
        The Document; ``sha256`` is the hash of the file's bytes.

    Raises:
        IngestError: the file cannot be read (message names the file and the cause), or is
            over one of ``limits`` (``LimitExceeded``).
    """
    path = Path(path)
    kind, text, layout = load(path, limits)
    doc = parse_text(text, doc_id or slugify(path.stem), str(path), kind, layout=layout)
    doc.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    logger.info(
        "parsed %s: %d chars, %d pages, %d tables, %d references", path.name, len(text), len(doc.pages), len(doc.tables), len(doc.references)
    )
    return doc


def ingest_file(path: Path, doc_id: str | None = None, max_chars: int = 900) -> tuple[Document, list[Chunk]]:
    """Parse a file and chunk it.

    Args:
        path: The file.
        doc_id: The id to give it (default: slug of the file stem).
        max_chars: Chunk size limit for running text.

    Returns:
        The Document and its Chunks.
    """
    doc = parse_document(path, doc_id)
    return doc, chunk_document(doc, max_chars=max_chars)


def find_corpus_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand files and folders to the supported files they hold.

    Args:
        paths: Files and/or folders; folders are searched recursively.

    Returns:
        Supported (.txt, .md, .pdf) files found in folders, sorted, hidden files and
        folders skipped; files named explicitly are kept as given. No duplicates.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            candidates = sorted(
                f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            candidates = [f for f in candidates if f.suffix.lower() in SUPPORTED_SUFFIXES]
        else:
            candidates = [p]  # named explicitly: kept, so parse_document can report it
        found.extend(f for f in candidates if f not in found)
    return found
