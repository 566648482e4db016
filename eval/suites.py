"""Run the selected eval suites, each on its own corpus, and gate them: what ``citeqa eval`` does.

- ``review``: ``eval/questions.jsonl`` on the configured index, as two suites — numeric (every case
  not tagged ``open``) and open (sentence-graded and must-abstain questions tagged ``open``);
- ``evidence-inference``: the prompts of one split over all 835 articles (cached index);
- ``litqa2``: the 40 train questions, with options, over the 38 PDFs (cached index);
- ``pdf``: ``eval/pdf_questions.jsonl`` over the shared journal PDFs (cached index);
- ``pubmedqa``: yes/no questions over the 500 shared abstracts without their conclusions, scored on
  ``verdict`` (cached index; :mod:`citeqa.eval.pubmedqa`).

Benchmark corpora are indexed by :func:`citeqa.eval.corpora.cached_index`; the engine over each is
made by ``make_engine(index, embedder, pack)`` (the CLI builds a ``citeqa.qa.engine.Engine``) with
the general ``clinical-trial`` domain pack (:data:`BENCHMARK_PACK`): their papers span every field of
medicine and biology, unlike the bundled oncology review.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citeqa.eval import evidence_inference, litqa2, pubmedqa
from citeqa.eval.cases import Case, load_cases
from citeqa.eval.corpora import DEFAULT_CACHE, CorpusBuild, cached_index, doc_id_for
from citeqa.eval.harness import evaluate, review_suites, suite_result
from citeqa.eval.splits import pubmedqa_part
from citeqa.eval.results import EvalRun, SuiteName, SuiteResult, check_thresholds, load_thresholds

logger = logging.getLogger(__name__)

DEFAULT_BENCHMARKS = Path("../shared/benchmarks")
DEFAULT_PDFS = Path("../shared/corpus/pdfs")
DEFAULT_PDF_QUESTIONS = Path(__file__).resolve().parent / "pdf_questions.jsonl"
ALL = (SuiteName.review, SuiteName.evidence_inference, SuiteName.litqa2, SuiteName.pdf, SuiteName.pubmedqa)
BENCHMARK_PACK = "clinical-trial"


@dataclass
class EvalOptions:
    """What to run (``citeqa eval`` options)."""

    suites: Sequence[SuiteName] = (SuiteName.review,)
    question_files: Sequence[Path] | None = None
    benchmarks: Path = DEFAULT_BENCHMARKS
    pdfs: Path = DEFAULT_PDFS
    pdf_questions: Path = DEFAULT_PDF_QUESTIONS
    split: str = "validation"
    limit: int | None = None
    own_documents: bool = False
    cache_dir: Path = DEFAULT_CACHE
    thresholds: Path | None = None
    progress: bool = False
    pack: str = BENCHMARK_PACK
    """The domain pack the benchmark suites (not the review) are answered with."""
    notes: list[str] = field(default_factory=list)


def _limit(items: Sequence[Any], limit: int | None) -> list[Any]:
    return list(items) if limit is None else list(items)[:limit]


def _build_note(name: str, build: CorpusBuild) -> str:
    how = "cached" if build.cached else (f"built in {build.seconds:.0f} s ({build.embedded} chunks and "
                                         f"{build.sentences_embedded} sentences embedded)")
    failed = f"; {len(build.errors)} file(s) failed to parse" if build.errors else ""
    return f"{name} corpus: {build.documents} documents, {build.chunks} chunks, {how}{failed}"


def _corpus(name: str, files: list[Path], embedder: Any, opts: EvalOptions) -> CorpusBuild:
    suffix = "-own" if opts.own_documents else ""
    return cached_index(name + suffix, files, embedder, opts.cache_dir, progress=opts.progress)


def run_evidence_inference(opts: EvalOptions, embedder: Any, make_engine: Callable[[Any, Any, str], Any]) -> SuiteResult:
    """The Evidence Inference suite on ``opts.split`` (see :mod:`citeqa.eval.evidence_inference`)."""
    folder = Path(opts.benchmarks) / "evidence-inference"
    prompts = _limit(evidence_inference.load_prompts(folder, opts.split), opts.limit)
    files = evidence_inference.article_files(folder, prompts if opts.own_documents else None)
    build = _corpus("evidence-inference", files, embedder, opts)
    result = evidence_inference.run(make_engine(build.index, embedder, opts.pack), prompts, opts.split,
                                    lambda doc: doc_id_for(Path(doc + ".txt")), progress=opts.progress)
    result.notes.append(_build_note("evidence-inference", build))
    return result


def run_litqa2(opts: EvalOptions, embedder: Any, make_engine: Callable[[Any, Any, str], Any]) -> SuiteResult:
    """The LitQA2 suite (see :mod:`citeqa.eval.litqa2`)."""
    folder = Path(opts.benchmarks) / "litqa2"
    questions = _limit(litqa2.load_questions(folder), opts.limit)
    files = litqa2.pdf_files(folder, questions if opts.own_documents else None)
    build = _corpus("litqa2", files, embedder, opts)
    texts = {doc_id: doc.text for doc_id, doc in build.index.documents.items()}
    result = litqa2.run(make_engine(build.index, embedder, opts.pack), questions, lambda doc: doc_id_for(Path(doc + ".pdf")),
                        texts, progress=opts.progress)
    result.notes.append(_build_note("litqa2", build))
    return result


def pdf_files_for(folder: Path, cases: Sequence[Case] | None = None) -> list[Path]:
    """The shared PDFs: all of ``folder``, or those the cases' sources name."""
    files = sorted(Path(folder).glob("*.pdf"))
    if not files:
        raise FileNotFoundError(f"no PDFs in {folder}")
    if cases is not None:
        wanted = {c.source.doc_id for c in cases if c.source}
        files = [f for f in files if doc_id_for(f) in wanted]
    return files


def run_pdf(opts: EvalOptions, embedder: Any, make_engine: Callable[[Any, Any, str], Any]) -> SuiteResult:
    """The PDF questions (same scoring as the review's numeric cases; citations checked by page)."""
    cases = _limit(load_cases([opts.pdf_questions]), opts.limit)
    files = pdf_files_for(opts.pdfs, cases if opts.own_documents else None)
    build = _corpus("pdfs", files, embedder, opts)
    result = suite_result(evaluate(make_engine(build.index, embedder, opts.pack), cases), SuiteName.pdf.value,
                          "PDF questions")
    result.notes.append(_build_note("pdf", build))
    return result


def run_pubmedqa(opts: EvalOptions, embedder: Any, make_engine: Callable[[Any, Any, str], Any]) -> SuiteResult:
    """The PubMedQA suite on the part ``opts.split`` selects (see :mod:`citeqa.eval.pubmedqa`)."""
    rows = pubmedqa.load_rows(opts.benchmarks)
    files = pubmedqa.write_abstracts(rows, Path(opts.cache_dir) / "pubmedqa-abstracts")
    build = _corpus("pubmedqa", files, embedder, opts)
    chosen = _limit([r for r in rows if pubmedqa_part(r["id"]) is pubmedqa.part_for(opts.split)], opts.limit)
    result = pubmedqa.run(make_engine(build.index, embedder, opts.pack), chosen, opts.split,
                          lambda pmid: doc_id_for(Path(pmid + ".txt")), progress=opts.progress)
    result.notes.append(_build_note("pubmedqa", build))
    return result


def run_suites(
    opts: EvalOptions,
    review_engine: Callable[[], Any],
    embedder: Callable[[], Any],
    make_engine: Callable[[Any, Any, str], Any],
) -> EvalRun:
    """Run the suites of ``opts`` and check them against the thresholds.

    Args:
        opts: What to run.
        review_engine: Returns the engine over the configured index (called only for ``review``).
        embedder: Returns the embedding model (called only for benchmark suites).
        make_engine: ``(index, embedder, pack) -> engine`` for a benchmark corpus.

    Returns:
        The suites' results and the violated thresholds.
    """
    chosen = list(dict.fromkeys(opts.suites))
    results: list[SuiteResult] = []
    model = None
    for suite in chosen:
        if suite is SuiteName.review:
            cases = load_cases(list(opts.question_files) if opts.question_files else None)
            results += review_suites(review_engine(), _limit(cases, opts.limit))
            continue
        model = model or embedder()
        runner = {SuiteName.evidence_inference: run_evidence_inference, SuiteName.litqa2: run_litqa2,
                  SuiteName.pdf: run_pdf, SuiteName.pubmedqa: run_pubmedqa}[suite]
        results.append(runner(opts, model, make_engine))
    return EvalRun(results, check_thresholds(results, load_thresholds(opts.thresholds)))
