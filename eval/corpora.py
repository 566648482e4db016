"""Benchmark corpora indexed once and cached under ``var/``, through citeqa's own ingest and index code.

A benchmark corpus (Evidence Inference articles, LitQA2 PDFs, the shared journal PDFs) is
parsed by ``citeqa.ingest.pipeline.parse_document``, chunked by ``chunk_document``, embedded
by the configured model and assembled by ``Index.create`` — the path ``citeqa ingest`` takes.
The built index is saved in ``<cache>/<name>-<key>/`` where the key hashes the model name, the
corpus files (names and bytes) and the *code version* (the source of the ingest and index
packages), so a change to any of them builds a new index. Chunk vectors are also kept in one
embedding cache per model (entries keyed by chunk-text sha256), so a rebuild after a code
change embeds only chunks whose text changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from citeqa.index.store import EmbedderLike, Index, index_texts, load_index

logger = logging.getLogger(__name__)

DEFAULT_CACHE = Path("var/cache/eval")
STAMP = "eval-corpus.json"


class CorpusError(RuntimeError):
    """A benchmark corpus is missing or none of its files could be parsed."""


@dataclass
class CorpusBuild:
    """A ready benchmark index and how it was obtained."""

    index: Index
    directory: Path
    key: str
    cached: bool
    documents: int
    chunks: int
    embedded: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    sentences_embedded: int = 0


def doc_id_for(path: Path) -> str:
    """The doc id ``citeqa ingest`` gives a file (slug of its stem): ``PMC1550405.txt`` → ``pmc1550405``."""
    from citeqa.ingest.pipeline import slugify

    return slugify(Path(path).stem)


def code_version() -> str:
    """A hash of the ingest and index source code (any edit there changes it)."""
    import citeqa.index.store as store
    import citeqa.ingest.pipeline as pipeline

    return pipeline.source_digest(Path(pipeline.__file__).parent, Path(store.__file__).parent)


def corpus_hash(files: Sequence[Path]) -> str:
    """A hash of the corpus: every file's name and bytes, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def cache_key(files: Sequence[Path], model: str) -> str:
    """The key of a built index: model + corpus hash + code version."""
    parts = f"{model}|{corpus_hash(files)}|{code_version()}"
    return hashlib.sha256(parts.encode()).hexdigest()[:16]


def _embedding_cache(cache_dir: Path, model: str, what: str = "") -> Path:
    """The embedding cache of ``model`` (chunk texts; ``what = "sentences"``: the chunks' sentences)."""
    from citeqa.eval.beir import _slug

    return cache_dir / "embeddings" / f"{_slug(model)}{'-' + what if what else ''}.npz"


STALE_DAYS = 7


def _remove_stale(cache_dir: Path, name: str, keep: Path) -> None:
    """Remove indexes of ``name`` for other code or corpus versions that no run has used for
    :data:`STALE_DAYS` days (a cache shared by several checkouts keeps each one's index)."""
    limit = time.time() - STALE_DAYS * 86400
    for old in cache_dir.glob(f"{name}-*"):
        stamp = old / STAMP
        if old != keep and old.is_dir() and len(old.name) == len(keep.name) and (
                not stamp.is_file() or stamp.stat().st_mtime < limit):
            shutil.rmtree(old, ignore_errors=True)


def _build(files: Sequence[Path], embedder: EmbedderLike, cache_dir: Path, progress: bool) -> tuple[Index, int, int, list]:
    from citeqa.eval.beir import cached_vectors
    from citeqa.index.sentences import build_sentence_table
    from citeqa.ingest.chunking import chunk_document
    from citeqa.ingest.errors import IngestError
    from citeqa.ingest.pipeline import parse_document

    documents, chunks, errors = [], [], []
    iterator = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="parsing", unit="file")
    for path in iterator:
        try:
            doc = parse_document(path, doc_id_for(path))
            doc_chunks = chunk_document(doc)
        except (IngestError, OSError, ValueError) as exc:
            logger.warning("skipping %s: %s", path, exc)
            errors.append((str(path), str(exc)))
            continue
        documents.append(doc)
        chunks.extend(doc_chunks)
    if not documents:
        raise CorpusError(f"none of the {len(files)} corpus files could be parsed: {errors[:3]}")
    by_id = {d.doc_id: d for d in documents}
    texts = index_texts(chunks, by_id)
    vectors, embedded = cached_vectors(texts, embedder, _embedding_cache(cache_dir, embedder.name), progress=progress)
    sentences, sentence_count = build_sentence_table(
        by_id, chunks, vectors,
        lambda batch: cached_vectors(batch, embedder, _embedding_cache(cache_dir, embedder.name, "sentences"),
                                     progress=progress, block=16384),
    )
    index = Index.create(documents, chunks, vectors, embedder.name, sentences=sentences)
    return index, embedded, sentence_count, errors


def built_index_dir(name: str, files: Sequence[Path], model: str, cache_dir: Path = DEFAULT_CACHE) -> Path | None:
    """The folder of the cached index of ``files`` for ``model`` and today's code, if it was built (never builds)."""
    directory = Path(cache_dir) / f"{name}-{cache_key(sorted({Path(f) for f in files}, key=lambda p: p.name), model)}"
    return directory if (directory / STAMP).is_file() else None


def cached_index(
    name: str,
    files: Sequence[Path],
    embedder: EmbedderLike,
    cache_dir: Path = DEFAULT_CACHE,
    *,
    progress: bool = False,
) -> CorpusBuild:
    """Load the cached index of ``files``, building (and caching) it when the key changed.

    Args:
        name: The corpus name (folder prefix), e.g. ``evidence-inference``.
        files: The corpus files (.txt, .md, .pdf); doc ids are :func:`doc_id_for` each file.
        embedder: The embedding model.
        cache_dir: Where indexes and the embedding cache live (default ``var/cache/eval``).
        progress: Progress bars on stderr.

    Returns:
        The index with build facts (``cached`` is True when nothing was rebuilt).

    Raises:
        CorpusError: No files, or none could be parsed.
    """
    files = sorted({Path(f) for f in files}, key=lambda p: p.name)
    if not files:
        raise CorpusError(f"corpus {name!r} has no files")
    cache_dir = Path(cache_dir)
    key = cache_key(files, embedder.name)
    directory = cache_dir / f"{name}-{key}"
    stamp = directory / STAMP
    if stamp.is_file():
        stamp.touch()  # in use: not stale
        info = json.loads(stamp.read_text(encoding="utf-8"))
        index = load_index(directory, model=embedder.name, dimension=embedder.dimension)
        return CorpusBuild(index, directory, key, True, len(index.documents), len(index.chunks),
                           errors=[tuple(e) for e in info.get("errors", [])])
    started = time.perf_counter()
    index, embedded, sentences_embedded, errors = _build(files, embedder, cache_dir, progress)
    tmp = cache_dir / f".{name}-{key}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        index.save(tmp)
        seconds = time.perf_counter() - started
        info = {"name": name, "key": key, "model": embedder.name, "code_version": code_version(),
                "corpus_hash": corpus_hash(files), "files": len(files), "documents": len(index.documents),
                "chunks": len(index.chunks), "embedded": embedded, "sentences": len(index.sentences or []),
                "sentences_embedded": sentences_embedded, "seconds": round(seconds, 1), "errors": errors}
        (tmp / STAMP).write_text(json.dumps(info, indent=2), encoding="utf-8")
        if directory.exists():
            shutil.rmtree(directory)
        tmp.replace(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(cache_dir, name, directory)
    logger.info("built %s: %d documents, %d chunks, %d embedded in %.0fs", directory, len(index.documents),
                len(index.chunks), embedded, seconds)
    index = load_index(directory, model=embedder.name, dimension=embedder.dimension)
    return CorpusBuild(index, directory, key, False, len(index.documents), len(index.chunks), embedded, seconds, errors,
                       sentences_embedded)
