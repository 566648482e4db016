"""Training groups for the support model: questions with the feature rows of the sentences and table rows
citeqa's retrieval gives them, each row labelled by whether it holds the answer.

Sources (parts: :mod:`citeqa.eval.splits`):

- Evidence Inference train prompts over a fixed sample of their articles (:data:`EI_SAMPLE` percent, by
  article hash, so the dev part is in it): a unit holds the answer when it touches a doctor's evidence span;
- LitQA2 train questions over their papers: a unit holds it when most of its words are in the key passage;
- the project's review questions (``eval/questions.jsonl``; main part = train and dev, holdout = validation): a
  unit holds it when it touches an expected sentence, or lies in the expected section or table and writes the expected
  figure. Questions citeqa must abstain on keep their units, all negative (they teach the model how little
  an unanswerable question's best sentence is worth).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from citeqa.eval.cases import Case, load_cases
from citeqa.eval.corpora import doc_id_for
from citeqa.eval.evidence_inference import load_prompts
from citeqa.eval.litqa2 import load_questions, words
from citeqa.eval.scoring import passage_matches, touches_spans
from citeqa.eval.splits import Part, bucket, evidence_inference_part
from citeqa.ingest.models import Chunk
from citeqa.qa.passages import Unit

EI_SAMPLE = 30
"""Percent of Evidence Inference train articles indexed for training (by hash; the dev part's 15 included):
about 260 articles, ~700 prompts — enough groups, and an index built in ~20 minutes on 2 cores."""
LITQA2_DEV_SHARE = 50
"""Percent of LitQA2 train questions kept for development (it has only 40)."""
REVIEW_DEV_SHARE = 25
"""Percent of the review's main questions kept for development (by hash of the id)."""
KEY_SHARE = 0.7
"""Share of a unit's content words that must be in a LitQA2 key passage for the unit to hold it."""

DECIMALS = 5
"""Features are rounded to 5 decimals: the query embedding varies in its last bits between runs on a CPU, and
a training set must not."""

Labeller = Callable[[Unit, Chunk], bool]
"""Whether a unit (of that chunk) holds a question's answer."""


@dataclass(frozen=True)
class Ask:
    """One training question: where it comes from, its part, and how to tell the units that answer it."""

    id: str
    source: str
    part: Part
    question: str
    holds: Labeller


@dataclass
class Group:
    """One question's candidate units: feature rows (n × features) and labels (n)."""

    id: str
    source: str
    part: Part
    features: np.ndarray
    labels: np.ndarray


def _touches(doc: str, spans: Iterable[tuple[int, int]]) -> Labeller:
    spans = tuple(spans)
    return lambda u, chunk: touches_spans({"doc_id": u.doc_id, "start": u.start, "end": u.end}, doc, spans)


def ei_sample(doc: str) -> bool:
    """Whether Evidence Inference train article ``doc`` is in the training sample."""
    return bucket(doc) < EI_SAMPLE


def _ei_prompts(folder: Path, split: str):
    prompts = load_prompts(folder, split)
    return prompts if split == "validation" else [p for p in prompts if ei_sample(p.doc)]


def ei_doc_id(doc: str) -> str:
    """The corpus doc id of Evidence Inference article ``doc`` (``PMC1550405``), as ingest gives its file."""
    return doc_id_for(Path(doc + ".txt"))


def ei_files(folder: Path, split: str = "train") -> list[Path]:
    """The Evidence Inference articles asked about: the sampled train articles, or all validation ones."""
    docs = {p.doc for p in _ei_prompts(folder, split)}
    return [path for path in sorted(Path(folder, "corpus").glob("*.txt")) if path.stem in docs]


def ei_asks(folder: Path, split: str = "train") -> list[Ask]:
    """The Evidence Inference prompts on :func:`ei_files` (an article's doc id is its file's, as ingest gives it)."""
    return [Ask(p.id, "evidence-inference", evidence_inference_part(p.doc, split), p.question,
                _touches(ei_doc_id(p.doc), p.evidence)) for p in _ei_prompts(folder, split)]


def litqa2_part(question_id: str) -> Part:
    """The part of a LitQA2 train question (by hash)."""
    return Part.dev if bucket(question_id) < LITQA2_DEV_SHARE else Part.train


def _key_holder(doc: str, key: str) -> Labeller:
    key_words = words(key)

    def holds(u: Unit, chunk: Chunk) -> bool:
        unit_words = words(u.text)
        return u.doc_id == doc and bool(unit_words) and len(unit_words & key_words) / len(unit_words) >= KEY_SHARE
    return holds


def litqa2_asks(folder: Path, doc_id_for: Callable[[str], str]) -> list[Ask]:
    """The LitQA2 train questions that have a key passage."""
    return [Ask(q.id, "litqa2", litqa2_part(q.id), q.question, _key_holder(doc_id_for(q.doc), q.key_passage))
            for q in load_questions(folder) if q.key_passage]


def _figures(case: Case) -> list[float]:
    expected = case.expected
    if "number" in expected:
        return [float(expected["number"])]
    if "low" in expected:
        return [float(expected["low"]), float(expected["high"])]
    return [float(v) for v in expected.get("any_of", []) if isinstance(v, int | float)]


def _writes(text: str, figure: float) -> bool:
    """Whether ``text`` writes ``figure`` as a number of its own: "17" or "17.0", not the "17" of "17.3"."""
    shown = f"{figure:g}"
    return re.search(rf"(?<![\d.]){re.escape(shown)}(?:\.0+)?(?!\d|\.\d)", text.replace(",", "")) is not None


def _case_holder(case: Case) -> Labeller | None:
    if case.spans:
        return _touches(case.source.doc_id if case.source else "review", case.spans)
    if "abstain" in case.expected:
        return lambda u, chunk: False
    figures, source = _figures(case), case.source
    if not figures or source is None:
        return None

    def holds(u: Unit, chunk: Chunk) -> bool:
        passage = {"doc_id": u.doc_id, "section": u.section, "kind": u.kind, "text": u.text, "page": chunk.page,
                   "table": chunk.table, "references": chunk.references}
        return passage_matches(passage, source) and any(_writes(u.text, f) for f in figures)
    return holds


def review_part(case: Case) -> Part:
    """The part of a review eval question: its holdout part is validation (reported, never chosen on); of
    its main part, :data:`REVIEW_DEV_SHARE` percent (by hash of the id) is dev, the rest train."""
    if case.holdout:
        return Part.validation
    return Part.dev if bucket(case.id) < REVIEW_DEV_SHARE else Part.train


def review_asks(paths: Iterable[Path] | None = None) -> list[Ask]:
    """The review's eval questions that say where their answer is."""
    out = []
    for case in load_cases(paths):
        holds = _case_holder(case)
        if holds is not None:
            out.append(Ask(case.id, "review", review_part(case), case.question, holds))
    return out


def harvest(engine, asks: Iterable[Ask]) -> list[Group]:
    """Each question's candidate units as the engine scores them, labelled (``engine``: a
    :class:`citeqa.qa.engine.Engine`)."""
    groups = []
    for ask in asks:
        _, _, support = engine.read(ask.question)
        if not support:
            continue
        support = sorted(support, key=lambda s: s.index)  # one order whatever the scores' ties
        labels = np.asarray([ask.holds(s.unit, engine.index.chunks[s.unit.row]) for s in support], dtype=bool)
        features = np.round(np.vstack([s.features for s in support]), DECIMALS)
        groups.append(Group(ask.id, ask.source, ask.part, features, labels))
    return groups
