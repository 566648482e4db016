"""Train the answer-confidence calibration (``citeqa train --model confidence``): a Platt fit per answer kind
(:class:`citeqa.qa.confidence.AnswerKind`) of "the answer is right" on the logit of its raw score.

Answers come from the shipped engine (support and verdict models) asked the shared question sets, each
judged as its eval suite judges it:

- the review's questions over the bundled corpus (main part: train and dev by hash; holdout: validation);
- the journal-PDF questions over the shared PDFs (the same parts);
- Evidence Inference prompts: the train ones over the support model's sample of train articles (train and
  dev parts by article), the validation ones over their own articles (validation). Right = the answer
  cites a doctor's evidence span and retrieval has it in the top 5, as ``citeqa eval`` scores it.

A kind with fewer than :data:`MIN_RECORDS` training answers keeps its raw score. Two weightings of the fit
are tried (:class:`Weighting`: every answer the same, or every source the same in total); the one with the
lower mean dev calibration error over the sources with at least :data:`MIN_DEV` dev answers wins. The report
gives each part's expected calibration error before and after, dev for choosing, validation reported once,
and the shipped calibration's on the same answers (``shipped``): ship a retrained one when it does better.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from citeqa.eval.calibration import calibration_error
from citeqa.eval.splits import Part
from citeqa.qa.confidence import (
    RAW,
    SHIPPED,
    AnswerKind,
    ConfidenceCalibration,
    Platt,
    kind_of,
    logit,
    shipped_calibration,
)

MIN_RECORDS = 30
"""Fewest training answers of a kind for it to be calibrated (fewer leave a two-parameter fit unstable)."""
PLATT_C = 100.0
"""Inverse L2 strength of each fit (two parameters on hundreds of answers: barely penalised)."""
EVIDENCE_K = 8
"""Passages retrieved for an Evidence Inference prompt (as ``citeqa eval`` asks them)."""
MIN_DEV = 30
"""Dev answers a source needs to be chosen on (the PDF questions' 9 are reported, not chosen on)."""


class Weighting(StrEnum):
    """How the training answers weigh in a fit."""

    answer = "answer"  # every answer the same: the big sources (Evidence Inference) set the scale
    source = "source"  # every source the same in total


@dataclass(frozen=True)
class Record:
    """One answer: where its question comes from, its part, its kind, raw score and whether it was right."""

    source: str
    part: Part
    kind: AnswerKind
    raw: float
    right: bool


def case_records(engine, cases: Iterable, source: str) -> list[Record]:
    """Ask eval ``cases`` (review or PDF questions) and judge each answer as ``citeqa eval`` does."""
    from citeqa.eval.scoring import score_answer
    from citeqa.train.support_data import review_part

    out = []
    for case in cases:
        answer = engine.ask(case.question)
        right = not score_answer(case, answer.to_dict()).message
        out.append(Record(source, review_part(case), kind_of(answer), answer.confidence, right))
    return out


def prompt_records(engine, prompts: Iterable, split: str, doc_id_for: Callable[[str], str]) -> list[Record]:
    """Ask Evidence Inference ``prompts`` and judge each answer as ``citeqa eval`` does."""
    from citeqa.eval.evidence_inference import score_prompt
    from citeqa.eval.splits import evidence_inference_part

    out = []
    for prompt in prompts:
        answer = engine.ask(prompt.question, k=EVIDENCE_K)
        flags = score_prompt(prompt, doc_id_for(prompt.doc), answer.to_dict())
        out.append(Record("evidence-inference", evidence_inference_part(prompt.doc, split), kind_of(answer),
                          answer.confidence, flags["cited"] and flags["evidence_at_5"]))
    return out


def fit(records: list[Record], weighting: Weighting) -> ConfidenceCalibration:
    """A Platt fit per kind on the ``records`` of the train part."""
    from sklearn.linear_model import LogisticRegression

    train = [r for r in records if r.part is Part.train]
    per_source = {s: sum(r.source == s for r in train) for s in {r.source for r in train}}
    by_kind = {}
    for kind in AnswerKind:
        chosen = [r for r in train if r.kind is kind]
        if len(chosen) < MIN_RECORDS or len({r.right for r in chosen}) < 2:
            continue
        weights = np.asarray([1.0 / per_source[r.source] if weighting is Weighting.source else 1.0 for r in chosen])
        platt = LogisticRegression(C=PLATT_C).fit(np.asarray([[logit(r.raw)] for r in chosen]),
                                                  np.asarray([r.right for r in chosen], dtype=int),
                                                  sample_weight=weights * len(weights) / weights.sum())
        by_kind[kind] = Platt(float(platt.coef_[0][0]), float(platt.intercept_[0]))
    return ConfidenceCalibration(by_kind)


def scores(calibration: ConfidenceCalibration, records: list[Record]) -> dict:
    """Expected calibration error (raw and calibrated), accuracy and count of ``records``."""
    if not records:
        return {}
    right = [r.right for r in records]
    calibrated = [calibration.by_kind[r.kind](r.raw) if r.kind in calibration.by_kind else r.raw for r in records]
    return {"n": len(records), "accuracy": round(float(np.mean(right)), 4),
            "ece_raw": calibration_error([r.raw for r in records], right),
            "ece": calibration_error(calibrated, right)}


def dev_error(calibration: ConfidenceCalibration, records: list[Record]) -> float:
    """Mean dev calibration error over the sources with at least :data:`MIN_DEV` dev answers."""
    dev = [r for r in records if r.part is Part.dev]
    sources = sorted({r.source for r in dev})
    errors = [scores(calibration, held)["ece"] for s in sources
              if len(held := [r for r in dev if r.source == s]) >= MIN_DEV]
    return float(np.mean(errors))


def choose(records: list[Record]) -> tuple[ConfidenceCalibration, dict]:
    """The fit of the :class:`Weighting` with the lowest :func:`dev_error`, and each weighting's error."""
    fits = {w: fit(records, w) for w in Weighting}
    tried = {w.value: round(dev_error(c, records), 4) for w, c in fits.items()}
    best = min(Weighting, key=lambda w: (tried[w.value], w.value))
    return fits[best], {"weighting": best.value, "dev_error_by_weighting": tried}


def report(calibration: ConfidenceCalibration, records: list[Record]) -> dict:
    """Per part and source (and all sources together), the scores of :func:`scores`; the fitted parameters."""
    out: dict = {"by_kind": {k.value: [round(p.scale, 4), round(p.intercept, 4)] for k, p in calibration.by_kind.items()},
                 "train_answers": {}}
    for kind in AnswerKind:
        out["train_answers"][kind.value] = sum(r.part is Part.train and r.kind is kind for r in records)
    for which in (Part.dev, Part.validation):
        held = [r for r in records if r.part is which]
        out[which.value] = {"all": scores(calibration, held)} | {
            s: scores(calibration, [r for r in held if r.source == s]) for s in sorted({r.source for r in held})}
    return out


def collect(benchmarks: Path, corpus: Path, cache: Path, embedder,
            progress: Callable[[str], None] = lambda m: None) -> list[Record]:
    """Every answer record (see the module): the engines answer with raw scores."""
    from citeqa.eval import evidence_inference
    from citeqa.eval.cases import load_cases
    from citeqa.eval.corpora import cached_index
    from citeqa.eval.suites import DEFAULT_PDF_QUESTIONS, pdf_files_for
    from citeqa.train.support import BENCHMARK_PACK, REVIEW_PACK
    from citeqa.train.support_data import ei_doc_id, ei_files

    def engine(build, pack: str):
        from citeqa.qa.engine import Engine

        return Engine(build.index, embedder, pack, calibration=RAW)

    review = cached_index("review", sorted(Path(corpus).glob("*.txt")), embedder, cache)
    records = case_records(engine(review, REVIEW_PACK), load_cases(), "review")
    pdf_cases = load_cases([DEFAULT_PDF_QUESTIONS])
    pdfs = cached_index("pdfs", pdf_files_for(benchmarks.parent / "corpus" / "pdfs"), embedder, cache)
    records += case_records(engine(pdfs, BENCHMARK_PACK), pdf_cases, "pdf")
    progress(f"review and PDF questions: {len(records)} answers")
    folder = benchmarks / "evidence-inference"
    sample = cached_index("ei-support", ei_files(folder), embedder, cache, progress=True)
    train_prompts = [p for p in evidence_inference.load_prompts(folder, "train") if ei_doc_id(p.doc) in sample.index.documents]
    records += prompt_records(engine(sample, BENCHMARK_PACK), train_prompts, "train", ei_doc_id)
    own = cached_index("ei-validation", ei_files(folder, "validation"), embedder, cache, progress=True)
    records += prompt_records(engine(own, BENCHMARK_PACK), evidence_inference.load_prompts(folder, "validation"),
                              "validation", ei_doc_id)
    progress(f"+ evidence-inference: {len(records)} answers")
    return records


def train_confidence(benchmarks: Path, corpus: Path, cache: Path, out: Path, embedder,
                     progress: Callable[[str], None] = lambda m: None) -> dict:
    """Collect the answers, fit the calibration, write it with its report as ``confidence.json`` in the folder
    ``out``."""
    records = collect(benchmarks, corpus, cache, embedder, progress)
    calibration, chosen = choose(records)
    shipped = shipped_calibration()  # the calibration this one would replace, on the same answers
    before = {which.value: scores(shipped, [r for r in records if r.part is which]) for which in (Part.dev, Part.validation)}
    calibration = ConfidenceCalibration(calibration.by_kind, chosen | report(calibration, records) | {"shipped": before})
    Path(out).mkdir(parents=True, exist_ok=True)
    calibration.save(Path(out) / SHIPPED.name)
    return calibration.report
