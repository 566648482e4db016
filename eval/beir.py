"""External retrieval benchmark on a BEIR-layout data set (SciFact), through citeqa's own ingest + index path.

Each corpus entry becomes an in-memory :class:`Document` (``title`` + blank line + ``text``, kind
``txt``), is chunked by ``citeqa.ingest.chunking.chunk_document``, embedded by the same
:class:`Embedder`, indexed by the same BM25/FAISS code and searched by the same
:class:`Retriever`; a document's score is the best score of its chunks. Chunk embeddings are
cached under ``cache_dir`` (one file per model name + corpus hash, entries keyed by chunk-text
sha256), so a re-run embeds nothing.

Metrics follow BEIR/pytrec_eval: nDCG@10 with linear gains (trec_eval ``ndcg_cut``), recall@100
(fraction of the judged-relevant documents found in the top 100), MRR@10.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from citeqa.index.fusion import FusionParams
from citeqa.index.lexical import BM25Params
from citeqa.index.retriever import Retriever
from citeqa.index.store import EmbedderLike, Index, embed_texts, index_texts
from citeqa.ingest.models import Chunk, Document

logger = logging.getLogger(__name__)

Qrels = dict[str, dict[str, int]]
Run = dict[str, dict[str, float]]
MODES = ("bm25", "dense", "hybrid")


class BenchmarkError(RuntimeError):
    """The BEIR folder is missing a file or holds malformed data."""


# --------------------------------------------------------------------------- metrics


def _ranked(scores: Mapping[str, float], k: int) -> list[str]:
    # Best first; ties broken by doc id (descending, as trec_eval does).
    return [d for d, _ in sorted(scores.items(), key=lambda x: (x[1], x[0]), reverse=True)[:k]]


def ndcg_at_k(relevant: Mapping[str, int], scores: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k of one query with linear gains (trec_eval/pytrec_eval ``ndcg_cut``).

    Args:
        relevant: Graded judgements ``{doc_id: grade}``; grades ≤ 0 are not relevant.
        scores: Retrieved ``{doc_id: score}``.
        k: Cut-off.
    """
    dcg = sum(
        relevant.get(doc, 0) / math.log2(rank + 1)
        for rank, doc in enumerate(_ranked(scores, k), start=1)
        if relevant.get(doc, 0) > 0
    )
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(relevant: Mapping[str, int], scores: Mapping[str, float], k: int = 100) -> float:
    """Fraction of the relevant documents (grade > 0) ranked in the top ``k``."""
    wanted = {d for d, g in relevant.items() if g > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(_ranked(scores, k))) / len(wanted)


def mrr_at_k(relevant: Mapping[str, int], scores: Mapping[str, float], k: int = 10) -> float:
    """Reciprocal rank of the first relevant document within the top ``k`` (0 if none)."""
    for rank, doc in enumerate(_ranked(scores, k), start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def evaluate(qrels: Qrels, run: Run) -> dict[str, float]:
    """Mean nDCG@10, recall@100 and MRR@10 over the queries of ``qrels`` (missing runs score 0)."""
    queries = [q for q, rel in qrels.items() if any(g > 0 for g in rel.values())]
    if not queries:
        raise BenchmarkError("no query has a relevant document in the qrels")
    totals = {"ndcg@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for q in queries:
        scores = run.get(q, {})
        totals["ndcg@10"] += ndcg_at_k(qrels[q], scores, 10)
        totals["recall@100"] += recall_at_k(qrels[q], scores, 100)
        totals["mrr@10"] += mrr_at_k(qrels[q], scores, 10)
    return {name: value / len(queries) for name, value in totals.items()}


# --------------------------------------------------------------------------- data


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise BenchmarkError(f"BEIR file missing: {path}")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise BenchmarkError(f"{path} line {number}: not JSON ({exc})") from exc
    return rows


def load_qrels(path: Path) -> Qrels:
    """Read a BEIR qrels TSV (``query-id  corpus-id  score``, header line optional)."""
    if not path.is_file():
        raise BenchmarkError(
            f"qrels file missing: {path} (the SciFact test split is held out; supply qrels/test.tsv to run it)"
        )
    qrels: Qrels = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for number, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            if len(row) < 3:
                raise BenchmarkError(f"{path} line {number}: expected 3 tab-separated fields, got {row!r}")
            try:
                grade = int(float(row[2]))
            except ValueError as exc:
                raise BenchmarkError(f"{path} line {number}: score {row[2]!r} is not a number") from exc
            qrels.setdefault(row[0], {})[row[1]] = grade
    return qrels


def load_queries(beir_dir: Path, split: str) -> dict[str, str]:
    """Query texts by id from ``queries.jsonl`` plus, when present, ``queries.<split>.jsonl``."""
    main = beir_dir / "queries.jsonl"
    candidates = [
        main,
        beir_dir / f"queries.{split}.jsonl",
        beir_dir / f"queries-{split}.jsonl",
        beir_dir / split / "queries.jsonl",
    ]
    paths = [p for p in candidates if p.is_file()]
    if not paths:
        raise BenchmarkError(f"BEIR file missing: {main}")
    queries: dict[str, str] = {}
    for path in paths:
        queries.update({str(q["_id"]): q["text"] for q in _read_jsonl(path)})
    return queries


def beir_document(entry: Mapping[str, Any], source: str = "corpus.jsonl") -> Document:
    """One BEIR corpus entry as an in-memory txt Document (title, blank line, text), parsed by ingest."""
    from citeqa.ingest.pipeline import parse_text

    title = (entry.get("title") or "").strip()
    body = (entry.get("text") or "").strip()
    text = f"{title}\n\n{body}" if title else body
    return parse_text(text, str(entry["_id"]), f"{source}#{entry['_id']}", "txt")


def _default_chunker() -> Callable[[Document], list[Chunk]]:
    from citeqa.ingest.chunking import chunk_document

    return chunk_document


# --------------------------------------------------------------------------- embedding cache


def _slug(name: str) -> str:
    tail = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rstrip("/").split("/")[-1])[-60:]
    return f"{tail}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:8]}"


def _read_cache(cache_path: Path, dimension: int) -> dict[str, np.ndarray]:
    """The vectors of an embedding cache by text key (empty when missing, unreadable or of another dimension)."""
    if not cache_path.is_file():
        return {}
    try:
        with np.load(cache_path, allow_pickle=False) as data:
            if data["vectors"].shape[1:] == (dimension,):
                return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    except Exception as exc:  # noqa: BLE001 - a bad cache only costs re-embedding
        logger.warning("ignoring unreadable embedding cache %s: %s", cache_path, exc)
    return {}


def cached_vectors(
    texts: Sequence[str],
    embedder: EmbedderLike,
    cache_path: Path,
    *,
    progress: bool = False,
    block: int = 2048,
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts``, read from / added to the ``.npz`` at ``cache_path``; returns ``(vectors, embedded)``.

    The cache is saved after every ``block`` new embeddings, so an interrupted run loses little. It may
    be shared by several processes: a save holds a lock on ``<cache>.lock``, merges what the file holds
    by then (another process's new vectors) and replaces the file atomically.
    """
    known = _read_cache(cache_path, embedder.dimension)

    def save() -> None:
        import fcntl

        cache_path.parent.mkdir(parents=True, exist_ok=True)
        with open(cache_path.with_name(cache_path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for key, vector in _read_cache(cache_path, embedder.dimension).items():
                known.setdefault(key, vector)
            tmp = cache_path.with_name(f"{cache_path.stem}.tmp-{os.getpid()}.npz")
            np.savez(tmp, keys=np.array(list(known.keys())), vectors=np.stack(list(known.values())))
            tmp.replace(cache_path)

    vectors, embedded, _ = embed_texts(texts, embedder, known, progress=progress, on_batch=save, block=block)
    return vectors, embedded


# --------------------------------------------------------------------------- runner


@dataclass
class Benchmark:
    """A BEIR split indexed with citeqa's index code, ready to search."""

    index: Index
    retriever: Retriever
    queries: dict[str, str]
    qrels: Qrels
    documents: int
    embedded: int


def prepare(
    beir_dir: Path,
    split: str,
    embedder: EmbedderLike,
    cache_dir: Path,
    *,
    bm25: BM25Params | None = None,
    fusion: FusionParams | None = None,
    chunker: Callable[[Document], list[Chunk]] | None = None,
    progress: bool = False,
) -> Benchmark:
    """Load a BEIR split and index its corpus through citeqa's chunking, embedding and index code."""
    beir_dir = Path(beir_dir)
    qrels = load_qrels(beir_dir / "qrels" / f"{split}.tsv")
    qrels = {q: rel for q, rel in qrels.items() if any(g > 0 for g in rel.values())}
    all_queries = load_queries(beir_dir, split)
    queries = {q: all_queries[q] for q in qrels if q in all_queries}
    missing = [q for q in qrels if q not in all_queries]
    if missing:
        logger.warning("%d of %d %s qrels queries have no text, e.g. %s", len(missing), len(qrels), split, missing[:3])
        qrels = {q: qrels[q] for q in queries}
    if not queries:
        raise BenchmarkError(
            f"none of the {len(missing)} queries of {beir_dir / 'qrels' / (split + '.tsv')} is in "
            f"{beir_dir / 'queries.jsonl'} (or queries.{split}.jsonl): supply the {split} queries' text"
        )
    corpus_path = beir_dir / "corpus.jsonl"
    corpus_hash = hashlib.sha256(corpus_path.read_bytes()).hexdigest() if corpus_path.is_file() else ""
    documents = [beir_document(e) for e in _read_jsonl(corpus_path)]
    chunk = chunker or _default_chunker()
    chunks = [c for doc in documents for c in chunk(doc)]
    cache_path = Path(cache_dir) / f"{_slug(embedder.name)}-corpus-{corpus_hash[:16]}.npz"
    texts = index_texts(chunks, {d.doc_id: d for d in documents})
    vectors, embedded = cached_vectors(texts, embedder, cache_path, progress=progress)
    logger.info("%s: %d documents, %d chunks, %d embedded", beir_dir, len(documents), len(chunks), embedded)
    index = Index.create(documents, chunks, vectors, embedder.name, bm25=bm25, fusion=fusion)
    return Benchmark(index, Retriever(index, embedder), queries, qrels, len(documents), embedded)


def search_documents(
    bench: Benchmark,
    query: str,
    mode: str,
    *,
    top: int = 100,
    query_vector: np.ndarray | None = None,
) -> dict[str, float]:
    """Top ``top`` documents for ``query``: each document scores its best chunk."""
    index = bench.index
    per_doc = max(1.0, len(index.chunks) / max(1, len(index.documents)))
    depth = min(len(index.chunks), max(top, int(math.ceil(top * per_doc * 2))))
    scores: dict[str, float] = {}
    for passage in bench.retriever.search(query, k=depth, mode=mode, query_vector=query_vector):
        doc = passage.chunk.doc_id
        if doc not in scores:  # passages come best first
            scores[doc] = passage.score
            if len(scores) == top:
                break
    return scores


def run_mode(
    bench: Benchmark,
    mode: str,
    *,
    query_vectors: Mapping[str, np.ndarray] | None = None,
    progress: bool = False,
) -> tuple[Run, float]:
    """Search every query in one mode; returns the run and queries per second (query embedding included)."""
    items: Iterable[tuple[str, str]] = bench.queries.items()
    if progress:
        from tqdm import tqdm

        items = tqdm(list(items), desc=mode, unit="query")
    run: Run = {}
    started = time.perf_counter()
    for qid, text in items:
        vector = query_vectors.get(qid) if query_vectors is not None else None
        run[qid] = search_documents(bench, text, mode, query_vector=vector)
    elapsed = time.perf_counter() - started
    return run, len(bench.queries) / elapsed if elapsed > 0 else float("inf")


def run_benchmark(
    beir_dir: Path,
    split: str,
    embedder: EmbedderLike,
    cache_dir: Path,
    *,
    modes: Sequence[str] = MODES,
    progress: bool = False,
    bm25: BM25Params | None = None,
    fusion: FusionParams | None = None,
    chunker: Callable[[Document], list[Chunk]] | None = None,
) -> dict[str, Any]:
    """Score citeqa's retrieval on one split of a BEIR data set.

    Args:
        beir_dir: Folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.
        split: ``train``, ``dev`` or ``test``.
        embedder: The embedding model.
        cache_dir: Where chunk embeddings are cached.
        modes: Any of ``bm25``, ``dense``, ``hybrid``.
        progress: Progress bars on stderr.
        bm25: BM25 settings (default: the tuned ones).
        fusion: Fusion settings (default: the tuned ones).
        chunker: Document → chunks (default: ``citeqa.ingest.chunking.chunk_document``).

    Returns:
        ``{mode: {"ndcg@10", "recall@100", "mrr@10", "qps"}, "split", "queries", "documents"}``;
        only queries with at least one relevant judgement are evaluated.

    Raises:
        BenchmarkError: Missing or malformed files.
    """
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown benchmark modes {unknown}; choose from {', '.join(MODES)}")
    bench = prepare(beir_dir, split, embedder, cache_dir, bm25=bm25, fusion=fusion, chunker=chunker, progress=progress)
    result: dict[str, Any] = {
        "split": split,
        "queries": len(bench.queries),
        "documents": bench.documents,
        "chunks": len(bench.index.chunks),
        "embedded": bench.embedded,
    }
    for mode in modes:
        run, qps = run_mode(bench, mode, progress=progress)
        result[mode] = {**evaluate(bench.qrels, run), "qps": qps}
        logger.info("%s %s: %s", split, mode, result[mode])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m citeqa.eval.beir --beir DIR [--split train] [--cache DIR] [--model NAME]``: print JSON scores."""
    import argparse
    import os
    import sys

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(prog="python -m citeqa.eval.beir", description=__doc__.split("\n")[0])
    parser.add_argument("--beir", type=Path, required=True, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/)")
    parser.add_argument("--split", default="train")
    parser.add_argument("--cache", type=Path, default=Path("var/cache/beir"), help="embedding cache folder")
    parser.add_argument("--model", default="", help="embedding model (default: bundled all-MiniLM-L6-v2)")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: bm25,dense,hybrid")
    args = parser.parse_args(argv)
    from citeqa.index.embedder import Embedder
    from citeqa.settings import default_model

    embedder = Embedder(args.model or default_model())
    result = run_benchmark(args.beir, args.split, embedder, args.cache, modes=args.modes.split(","), progress=True)
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
