"""The support model: how likely a sentence or table row is to hold the answer, from its features.

:func:`citeqa.qa.support.supporting` describes each unit of the retrieved passages by a row of
:class:`Feature` values; a :class:`SupportModel` turns the rows into scores. The shipped model
(``qa/models/support.txt`` with ``support.json``) is a gradient-boosted ranker (LightGBM, lambdarank)
trained by ``citeqa train --model support`` on the shared benchmarks and the project's own questions,
its raw score calibrated (Platt scaling) so that a unit's score is the probability that the best-scored
unit of a question holds its answer (``docs/support-model.md``). :data:`HAND` keeps the hand-set weights
it replaced, the baseline training reports against.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from enum import IntEnum
from pathlib import Path
from typing import Protocol

import numpy as np

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "models"
TREES = "support.txt"
"""The ranker's trees (LightGBM's text format) in :data:`MODEL_DIR`."""
META = "support.json"
"""Its feature names, calibration and training report in :data:`MODEL_DIR`."""


class Feature(IntEnum):
    """One column of a unit's feature row (all in 0..1 except the two gaps, which are ≤ 0)."""

    dense = 0
    """Cosine of the question's vector and the unit's (blended with the outcome's for comparisons)."""
    coverage = 1
    """Idf-weighted share of the question's words (and entities) the unit holds."""
    entity = 2
    """Share of the question's entities named in or by the unit."""
    prior = 3
    """1 / (1 + rank / 4) of the passage it comes from."""
    measure = 4
    """It states the measure the question asks for."""
    population = 5
    """It names a population the question asks about."""
    defines_asked = 6
    """A "what is X" question, and the unit says what X is."""
    defines_row = 7
    """A table row labelled with the question's entity."""
    result = 8
    """A comparison is asked, and the unit states a finding."""
    reason = 9
    """A "why" question, and the unit gives a reason (a causal connective)."""
    advice = 10
    """The question asks what to do, and the unit gives advice."""
    advice_case = 11
    """The question asks what to do, and the unit tells a case's story."""
    aim = 12
    """The unit states what its document sets out to do."""
    cited = 13
    """A comparison is asked, and the unit credits its finding to other studies."""
    dense_gap = 14
    """Its dense similarity minus the best of the group."""
    coverage_gap = 15
    """Its coverage minus the best of the group."""
    table_row = 16
    """It is a table row."""
    length = 17
    """Its length in characters, as a share of :data:`citeqa.qa.support.LONG_UNIT`."""
    number = 18
    """A figure is asked, and the unit holds a digit."""
    finding = 19
    """The unit states a finding (the pack's result cues: a p-value, "significantly"), whatever is asked."""
    finding_section = 20
    """The unit's section is one where findings are reported (the pack's ``finding_sections``)."""
    outcome = 21
    """A comparison naming an outcome is asked: the idf-weighted share of the outcome's words the unit holds."""
    named = 22
    """Share of the question's entities named in the unit itself (not only by its paragraph's subject)."""


RAISES = frozenset({Feature.dense, Feature.coverage, Feature.entity, Feature.prior, Feature.measure, Feature.population,
                    Feature.defines_asked, Feature.defines_row, Feature.result, Feature.reason, Feature.advice,
                    Feature.dense_gap, Feature.coverage_gap, Feature.outcome, Feature.named})
"""Features that can only raise a unit's score (the learned model is constrained so): more of the question's
words, entities or meaning, an earlier passage, the cue a question kind asks for."""
LOWERS = frozenset({Feature.advice_case, Feature.aim, Feature.cited})
"""Features that can only lower it: a case's story for an advice question, a document's aim, a finding
credited to other studies."""


class SupportModelError(RuntimeError):
    """The support model files are missing or do not fit this code; the message names the file."""


class SupportModel(Protocol):
    """Scores feature rows (n × len(Feature)): higher is likelier to hold the answer."""

    def score(self, rows: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class LinearModel:
    """``weights · row + intercept`` (the hand-set baseline)."""

    weights: tuple[float, ...]
    intercept: float = 0.0

    def score(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows, dtype=np.float64) @ np.asarray(self.weights) + self.intercept


def calibration_inputs(raw: np.ndarray) -> np.ndarray:
    """Per unit of one question (raw ranker scores): its raw score, and its lead over the best of the others
    (negative for all but the best unit; 0 when it is alone)."""
    raw = np.asarray(raw, dtype=np.float64)
    if len(raw) < 2:
        return np.column_stack([raw, np.zeros_like(raw)])
    order = np.argsort(-raw, kind="stable")
    others = np.full_like(raw, raw[order[0]])
    others[order[0]] = raw[order[1]]
    return np.column_stack([raw, raw - others])


@dataclass(frozen=True)
class Calibration:
    """Platt scaling of a ranker's raw scores of one question's units:
    ``1 / (1 + exp(-(scale · raw + intercept + lead · (raw − best of the others))))``."""

    scale: float
    intercept: float
    lead: float = 0.0

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        inputs = calibration_inputs(raw)
        return 1.0 / (1.0 + np.exp(-(self.scale * inputs[:, 0] + self.lead * inputs[:, 1] + self.intercept)))


class TreeModel:
    """A LightGBM ranker with its calibration; safe to share between threads (one prediction at a time)."""

    def __init__(self, booster, calibration: Calibration) -> None:
        self.booster = booster
        self.calibration = calibration
        self._lock = threading.Lock()

    def raw(self, rows: np.ndarray) -> np.ndarray:
        """The ranker's uncalibrated scores."""
        with self._lock:
            return self.booster.predict(np.asarray(rows, dtype=np.float64), num_threads=1)

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self.calibration(self.raw(rows))

    def save(self, folder: Path, report: dict | None = None) -> None:
        """Write ``support.txt`` (the trees) and ``support.json`` (features, calibration, report) to ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / TREES))
        meta = {"features": [f.name for f in Feature], "calibration": asdict(self.calibration), "report": report or {}}
        (folder / META).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


HAND = LinearModel(
    weights=(0.3, 0.3, 0.1, 0.1, 0.0, 0.05, 0.2, 0.1, 0.12, 0.1, 0.1, -0.1, -0.1, -0.1, 0.0, 0.0, 0.0, 0.0, 0.0,
             0.0, 0.0, 0.0, 0.0),
)
"""The hand-set weights the learned model replaced (the baseline of ``citeqa train --model support``)."""

_lock = threading.Lock()
_loaded: dict[Path, TreeModel] = {}
_warned: list[bool] = []


def load_support_model(folder: Path = MODEL_DIR) -> TreeModel:
    """The support model saved in ``folder`` (read once per folder).

    Raises:
        SupportModelError: A file is missing or unreadable, or its features are not this code's.
    """
    folder = Path(folder)
    with _lock:
        if folder not in _loaded:
            _loaded[folder] = _read(folder)
        return _loaded[folder]


def _read(folder: Path) -> TreeModel:
    import lightgbm

    meta_path, trees_path = folder / META, folder / TREES
    retrain = "retrain it with `citeqa train --model support`"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        calibration = Calibration(**{k: float(meta["calibration"][k]) for k in ("scale", "intercept", "lead")})
        features = meta["features"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SupportModelError(f"{meta_path}: not a support model ({exc!r}); {retrain}") from None
    if features != [f.name for f in Feature]:
        raise SupportModelError(f"{meta_path}: field 'features' must be {[f.name for f in Feature]}; {retrain}")
    try:
        booster = lightgbm.Booster(model_file=str(trees_path))
    except (OSError, lightgbm.basic.LightGBMError) as exc:
        raise SupportModelError(f"{trees_path}: cannot read the support model's trees ({exc}); {retrain}") from None
    if booster.num_feature() != len(Feature):
        raise SupportModelError(f"{trees_path}: {booster.num_feature()} features, this code has {len(Feature)}; {retrain}")
    return TreeModel(booster, calibration)


def shipped_support_model() -> SupportModel:
    """The model shipped in the package (``qa/models/``); if its files cannot be read, the hand-set
    :data:`HAND` (logged once as an error naming the file): answers keep coming, ranked as before the
    model existed."""
    try:
        return load_support_model(MODEL_DIR)
    except SupportModelError as exc:
        with _lock:
            if not _warned:
                logger.error("support model unavailable, ranking with the hand-set weights: %s", exc)
                _warned.append(True)
        return HAND
