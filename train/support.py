"""Train the support model (``citeqa train --model support``): a gradient-boosted ranker over the feature
rows of :mod:`citeqa.train.support_data`, then calibrated; chosen on the dev parts, reproducible
(LightGBM's deterministic mode on one thread, fixed seed and data order).

1. Ranking: LightGBM's lambdarank over the training questions that have an answer (each question one
   query group; label 1 on the units that hold the answer), constrained to be monotone in the features
   whose direction is known (:data:`citeqa.qa.support_model.RAISES` / ``LOWERS``). The hyperparameters of :data:`GRID` are
   tried; the ones whose model answers best end to end wins: the mean share of right answers to the review's
   dev questions and the Evidence Inference dev prompts, asked of the engine with that model and judged as
   ``citeqa eval`` does (:func:`dev_answers`). Top-1 of the ranking is reported beside it: it chose models that
   rank better and answer worse (sharper scores quote fewer sentences).
2. Calibration: a logistic fit (Platt scaling) of "the best-scored unit holds the answer" on the best
   unit's raw score and its lead over the next, over every training question (unanswerable ones too),
   each source weighing the same. A unit's score is then that probability.

A linear ranker over the same rows (a listwise, conditional-logit fit) was measured too and lost on every
dev part (``docs/support-model.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from citeqa.eval.calibration import calibration_error
from citeqa.eval.splits import Part, evidence_inference_part
from citeqa.qa.support_model import (
    HAND,
    LOWERS,
    RAISES,
    Calibration,
    Feature,
    SupportModel,
    TreeModel,
    calibration_inputs,
)
from citeqa.train.support_data import (
    Group,
    ei_asks,
    ei_doc_id,
    ei_files,
    harvest,
    litqa2_asks,
    review_asks,
    review_part,
)

GRID = tuple({"num_leaves": leaves, "n_estimators": trees, "learning_rate": rate}
             for leaves in (4, 8, 16) for trees in (200, 400) for rate in (0.03, 0.1))
"""Hyperparameters tried (every other LightGBM setting at its default)."""
FOLDS = 3
"""Folds of the out-of-fold scores the calibration is fitted on."""
MIN_CHILD = 20
"""Fewest units in a leaf (LightGBM's default)."""
MIN_DEV = 30
"""Answerable dev questions a source needs to be chosen on (LitQA2's 40 questions give about 9)."""
SEED = 13
REVIEW_PACK = "oncology"
"""The domain pack the bundled review is read with (as ``make run`` does)."""
BENCHMARK_PACK = "clinical-trial"
"""The domain pack the benchmark corpora are read with (as ``citeqa eval`` does)."""
PLATT_C = 100.0
"""Inverse L2 strength of the calibration fit (two parameters on hundreds of questions: barely penalised)."""


@dataclass(frozen=True)
class Scores:
    """How a model ranks and calibrates on a set of groups."""

    groups: int
    answerable: int
    top1: float
    """Share of answerable questions whose best-scored unit holds the answer."""
    mrr: float
    ece: float
    """Expected calibration error of the best unit's score as the probability that it holds the answer
    (over every question, answerable or not)."""

    def as_dict(self) -> dict[str, float | int]:
        return {"groups": self.groups, "answerable": self.answerable, "top1": round(self.top1, 4),
                "mrr": round(self.mrr, 4), "ece": round(self.ece, 4)}


def part(groups: Sequence[Group], which: Part, source: str | None = None) -> list[Group]:
    """The groups of one part (and one source)."""
    return [g for g in groups if g.part is which and (source is None or g.source == source)]


def _source_weights(groups: Sequence[Group]) -> np.ndarray:
    """1 / (questions of its source) for each group: every source weighs the same in total."""
    per_source: dict[str, int] = {}
    for g in groups:
        per_source[g.source] = per_source.get(g.source, 0) + 1
    return np.asarray([1.0 / per_source[g.source] for g in groups])


def rank(groups: Sequence[Group], params: dict) -> object:
    """A LightGBM ranker (its booster) fitted on the answerable ``groups`` (step 1 of the module)."""
    import lightgbm

    answerable = [g for g in groups if g.labels.any()]
    monotone = [1 if f in RAISES else -1 if f in LOWERS else 0 for f in Feature]
    ranker = lightgbm.LGBMRanker(**params, min_child_samples=MIN_CHILD, random_state=SEED, deterministic=True,
                                 force_row_wise=True, n_jobs=1, verbose=-1, monotone_constraints=monotone)
    ranker.fit(np.vstack([g.features for g in answerable]), np.concatenate([g.labels for g in answerable]).astype(int),
               group=[len(g.labels) for g in answerable])
    return ranker.booster_


def _best_raw(model: TreeModel, groups: Sequence[Group]) -> tuple[list[list[float]], list[bool]]:
    """Each group's calibration inputs of its best unit and whether that unit holds the answer."""
    raw = [model.raw(g.features) for g in groups]
    return ([list(calibration_inputs(r)[int(np.argmax(r))]) for r in raw],
            [bool(g.labels[int(np.argmax(r))]) for g, r in zip(groups, raw, strict=True)])


def calibrate(groups: Sequence[Group], params: dict) -> Calibration:
    """Platt scaling fitted on out-of-fold scores (step 2 of the module): each of :data:`FOLDS` rankers,
    trained without one fold of the questions, scores that fold — a ranker's scores on its own training
    questions are overconfident."""
    from sklearn.linear_model import LogisticRegression

    best, held, order = [], [], []
    for fold in range(FOLDS):
        inside = [g for i, g in enumerate(groups) if i % FOLDS != fold]
        outside = [g for i, g in enumerate(groups) if i % FOLDS == fold]
        scores, right = _best_raw(TreeModel(rank(inside, params), Calibration(1.0, 0.0)), outside)
        best += scores
        held += right
        order += outside
    weights = _source_weights(order)
    platt = LogisticRegression(C=PLATT_C).fit(np.asarray(best), np.asarray(held, dtype=int),
                                              sample_weight=weights * len(weights) / weights.sum())
    return Calibration(float(platt.coef_[0][0]), float(platt.intercept_[0]), float(platt.coef_[0][1]))


def fit(groups: Sequence[Group], params: dict) -> TreeModel:
    """The calibrated ranker fitted on ``groups`` with LightGBM ``params``."""
    return TreeModel(rank(groups, params), calibrate(groups, params))


def evaluate(model: SupportModel, groups: Sequence[Group]) -> Scores:
    """Top-1, MRR and calibration of ``model`` on ``groups``."""
    hits, ranks, best, right = [], [], [], []
    for g in groups:
        scores = model.score(g.features)
        order = np.argsort(-scores, kind="stable")
        best.append(float(np.clip(scores[order[0]], 0.0, 1.0)))
        right.append(bool(g.labels[order[0]]))
        if g.labels.any():
            first = int(np.flatnonzero(g.labels[order])[0])
            hits.append(first == 0)
            ranks.append(1.0 / (first + 1))
    return Scores(len(groups), len(hits), float(np.mean(hits)) if hits else 0.0,
                  float(np.mean(ranks)) if ranks else 0.0, calibration_error(best, right))


def _merit(scores: dict[str, Scores]) -> float:
    chosen_on = [s.top1 for s in scores.values() if s.answerable >= MIN_DEV]
    return round(float(np.mean(chosen_on)), 4) if chosen_on else 0.0


Judge = Callable[[TreeModel], dict[str, float]]
"""Scores a candidate model end to end on the dev parts: the share of right answers, by source."""


def choose(groups: Sequence[Group], grid: Sequence[dict] = GRID,
           judge: Judge | None = None) -> tuple[TreeModel, dict, list[dict]]:
    """The model fitted on the train part with the :data:`GRID` entry whose dev answers are best (ties: the
    earlier entry), with every entry's dev scores by source. With ``judge``, "best" is the mean share of
    right answers end to end; without, the mean top-1 of the ranking."""
    train = part(groups, Part.train)
    sources = sorted({g.source for g in groups})
    tried, models = [], []
    for params in grid:
        booster = rank(train, params)
        models.append(TreeModel(booster, calibrate(train, params) if judge else Calibration(1.0, 0.0)))
        dev = {s: evaluate(models[-1], part(groups, Part.dev, s)) for s in sources}
        tried.append({"params": params, "dev": dev, "answers": judge(models[-1]) if judge else None})
    merit = (lambda t: round(float(np.mean(list(t["answers"].values()))), 4)) if judge else (lambda t: _merit(t["dev"]))
    best = max(range(len(tried)), key=lambda i: merit(tried[i]))  # max keeps the first of equals
    params = tried[best]["params"]
    model = models[best] if judge else TreeModel(models[best].booster, calibrate(train, params))
    return model, params, tried


def _engine(index, embedder, pack: str):
    from citeqa.qa.engine import Engine
    from citeqa.qa.vocabulary import load_vocabulary

    # Features do not depend on the model; HAND keeps a broken shipped file from stopping retraining.
    return Engine(index, embedder, load_vocabulary(pack), verdicts=None, support_model=HAND)


def collect(benchmarks: Path, corpus: Path, cache: Path, embedder,
            progress: Callable[[str], None] = lambda m: None) -> list[Group]:
    """Every training group: the review's questions over the bundled corpus (``corpus``), then LitQA2's and
    Evidence Inference's over their indexes (cached in ``cache``, built on first use: ~20 min for Evidence
    Inference on 2 cores)."""
    from citeqa.eval import litqa2
    from citeqa.eval.corpora import cached_index, doc_id_for

    review = cached_index("review", sorted(Path(corpus).glob("*.txt")), embedder, cache)
    groups = harvest(_engine(review.index, embedder, REVIEW_PACK), review_asks())
    progress(f"review: {len(groups)} questions")
    folder = benchmarks / "litqa2"
    papers = cached_index("litqa2", litqa2.pdf_files(folder), embedder, cache)
    asks = litqa2_asks(folder, lambda doc: doc_id_for(Path(doc + ".pdf")))
    groups += harvest(_engine(papers.index, embedder, BENCHMARK_PACK), asks)
    progress(f"+ litqa2: {len(groups)} questions")
    folder = benchmarks / "evidence-inference"
    articles = cached_index("ei-support", ei_files(folder), embedder, cache, progress=True)
    groups += harvest(_engine(articles.index, embedder, BENCHMARK_PACK), ei_asks(folder))
    progress(f"+ evidence-inference: {len(groups)} questions")
    return groups


def dev_answers(benchmarks: Path, corpus: Path, cache: Path, embedder) -> Judge:
    """A :data:`Judge` asking the review's dev questions and the Evidence Inference dev prompts (over the
    training sample) of an engine with the candidate model, each answer judged as ``citeqa eval`` does."""
    from citeqa.eval import evidence_inference
    from citeqa.eval.cases import load_cases
    from citeqa.eval.corpora import cached_index
    from citeqa.train.confidence import case_records, prompt_records

    review = _engine(cached_index("review", sorted(Path(corpus).glob("*.txt")), embedder, cache).index, embedder,
                     REVIEW_PACK)
    cases = [c for c in load_cases() if review_part(c) is Part.dev]
    folder = benchmarks / "evidence-inference"
    sample = _engine(cached_index("ei-support", ei_files(folder), embedder, cache).index, embedder, BENCHMARK_PACK)
    prompts = [p for p in evidence_inference.load_prompts(folder, "train")
               if evidence_inference_part(p.doc, "train") is Part.dev and ei_doc_id(p.doc) in sample.index.documents]

    def judge(model: TreeModel) -> dict[str, float]:
        review.support_model = sample.support_model = model
        right = {"review": [r.right for r in case_records(review, cases, "review")],
                 "evidence-inference": [r.right for r in prompt_records(sample, prompts, "train", ei_doc_id)]}
        return {source: round(float(np.mean(r)), 4) for source, r in right.items()}
    return judge


def train_support(benchmarks: Path, corpus: Path, cache: Path, out: Path, embedder,
                  progress: Callable[[str], None] = lambda m: None) -> dict:
    """Collect the groups, choose and fit the model, save it in the folder ``out``; the report says what it
    and the hand-set weights it replaced score on each dev part."""
    groups = collect(benchmarks, corpus, cache, embedder, progress)
    model, params, tried = choose(groups, judge=dev_answers(benchmarks, corpus, cache, embedder))
    report: dict = {"params": params, "train_questions": {}, "dev": {},
                    "tried": [{"params": t["params"], "dev_top1": {s: round(v.top1, 4) for s, v in t["dev"].items()},
                               "dev_answers": t["answers"]} for t in tried]}
    for source in sorted({g.source for g in groups}):
        report["train_questions"][source] = len(part(groups, Part.train, source))
        for which in (Part.dev, Part.validation):
            if held := part(groups, which, source):
                scores = {"model": evaluate(model, held).as_dict(), "hand": evaluate(HAND, held).as_dict()}
                report.setdefault(which.value, {})[source] = scores
    model.save(Path(out), report)
    return report
