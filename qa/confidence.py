"""An answer's ``confidence``: the calibrated probability that it is right.

Each way of answering scores its answer on its own scale: a figure by the hand-set score of the fact it
reads (:mod:`citeqa.qa.answering`), a sentence by the support model's probability that it holds the answer,
an abstention by how little the best candidate supports any answer. A Platt calibration per
:class:`AnswerKind` (fitted by ``citeqa train --model confidence`` on whether answers of the shared
question sets were right; :mod:`citeqa.train.confidence`) maps that raw score to the probability that the
answer is right. Shipped as ``qa/models/confidence.json``; without it (or when it cannot be read, logged
once) the raw score stands.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path

from citeqa.qa.answer import Answer

logger = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent / "models" / "confidence.json"
EPSILON = 1e-3
"""Raw scores are clipped to [EPSILON, 1 - EPSILON] before their logit (a raw 1.0 is common: capped scores)."""


class AnswerKind(StrEnum):
    """How an answer answers: each kind's raw score is on its own scale, so each has its own calibration."""

    figure = "figure"  # a value read from a sentence or table cell (a conflict between sources included)
    sentence = "sentence"  # the sentence(s) that answer an open question
    comparison = "comparison"  # the winner of a superlative or comparison over figures
    abstention = "abstention"  # "not in the corpus" or "not reported"
    choice = "choice"  # the option of a multiple-choice question a cited quote states


def kind_of(answer: Answer) -> AnswerKind:
    """The kind of ``answer``."""
    if answer.abstained:
        return AnswerKind.abstention
    if answer.choice is not None:
        return AnswerKind.choice
    if answer.ranking:
        return AnswerKind.comparison
    return AnswerKind.figure if answer.value is not None or answer.values else AnswerKind.sentence


def logit(raw: float) -> float:
    """The log-odds of a raw score clipped to [EPSILON, 1 - EPSILON]."""
    p = min(1.0 - EPSILON, max(EPSILON, raw))
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class Platt:
    """``sigmoid(scale * logit(raw) + intercept)``."""

    scale: float
    intercept: float

    def __call__(self, raw: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.scale * logit(raw) + self.intercept)))


@dataclass(frozen=True)
class ConfidenceCalibration:
    """A Platt calibration per answer kind; a kind without one keeps its raw score."""

    by_kind: dict[AnswerKind, Platt] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    def confidence(self, answer: Answer) -> float:
        """The probability that ``answer`` is right, from its raw ``confidence`` and its kind."""
        platt = self.by_kind.get(kind_of(answer))
        return round(platt(answer.confidence), 3) if platt else answer.confidence

    def save(self, path: Path) -> None:
        """Write the calibration (and its training report) as JSON."""
        data = {"by_kind": {k.value: [p.scale, p.intercept] for k, p in self.by_kind.items()}, "report": self.report}
        Path(path).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


RAW = ConfidenceCalibration()
"""No calibration: every answer keeps its raw score (what training reads)."""


class ConfidenceFileError(ValueError):
    """The calibration file cannot be read or names an unknown answer kind."""


def load_calibration(path: Path) -> ConfidenceCalibration:
    """Read a calibration written by :meth:`ConfidenceCalibration.save`.

    Raises:
        ConfidenceFileError: Naming the file and what is wrong with it.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        by_kind = {AnswerKind(k): Platt(float(a), float(b)) for k, (a, b) in data["by_kind"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfidenceFileError(f"cannot read the confidence calibration {path}: {exc} — retrain it with "
                                  "`citeqa train --model confidence`") from exc
    return ConfidenceCalibration(by_kind, data.get("report", {}))


@cache
def shipped_calibration() -> ConfidenceCalibration:
    """The shipped calibration, or :data:`RAW` (logged once) when its file is missing or unreadable."""
    try:
        return load_calibration(SHIPPED)
    except ConfidenceFileError as exc:
        logger.error("answers keep their raw confidence: %s", exc)
        return RAW
