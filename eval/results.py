"""What every eval suite returns: per-item records, per-part scores, and the threshold check.

A suite (review numeric, review open, Evidence Inference, LitQA2, PDF questions) turns into one
:class:`SuiteResult`: ``parts`` maps a part name (``main``/``holdout`` for question files, the
split name for benchmarks) to ``{metric: value}``; ``items`` holds one :class:`Item` per question
for the failure lists, JUnit and JSON. Thresholds are read from one TOML file with a table per
suite and part (``[review.main]``, ``[evidence-inference.validation]``); see eval/README.md.
"""

from __future__ import annotations

import inspect
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
DEFAULT_ANCHORS = Path(__file__).resolve().parent / "anchors.toml"
# Metrics whose bound is a maximum; every other bound is a minimum.
UPPER_BOUNDS = frozenset({"latency_p50_ms", "latency_p95_ms", "errors", "miscited_share_all", "calibration_error"})


class SuiteName(StrEnum):
    """The eval suites (``citeqa eval --suite``)."""

    review = "review"
    review_open = "review-open"
    evidence_inference = "evidence-inference"
    litqa2 = "litqa2"
    pdf = "pdf"
    pubmedqa = "pubmedqa"


class ChoiceAsker(Protocol):
    """The answer-layer contract the suites call: ``options`` is accepted once multiple choice lands."""

    def ask(self, question: str, k: int = 8, options: Sequence[str] | None = None) -> Any: ...


def supports_options(asker: Any) -> bool:
    """True when ``asker.ask`` takes an ``options`` argument (or ``**kwargs``)."""
    try:
        params = inspect.signature(asker.ask).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "options" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


class ThresholdsError(ValueError):
    """The thresholds file names an unknown suite, part or metric, or a non-numeric bound."""


@dataclass
class Item:
    """One question of a suite: whether it passed, why not, and what it cost."""

    id: str
    part: str
    question: str
    ok: bool
    message: str = ""
    latency_ms: float = 0.0
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class SuiteResult:
    """The scores of one suite: ``parts[part][metric]``; a metric that could not be measured is None."""

    suite: str
    label: str
    parts: dict[str, dict[str, Any]]
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        from dataclasses import asdict

        return {
            "suite": self.suite,
            "label": self.label,
            "parts": self.parts,
            "notes": list(self.notes),
            "items": [asdict(i) for i in self.items],
        }


@dataclass
class EvalRun:
    """Every suite run by one ``citeqa eval`` and the thresholds they violate."""

    suites: list[SuiteResult]
    violations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"suites": [s.to_dict() for s in self.suites], "violations": list(self.violations)}


def share(flags: Iterable[bool | float]) -> float | None:
    """Mean of booleans (None for none)."""
    items = [float(f) for f in flags]
    return sum(items) / len(items) if items else None


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, None when the denominator is 0."""
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def load_thresholds(path: str | Path | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Read the thresholds TOML: ``[suite.part]`` tables of ``metric = bound``.

    Args:
        path: The file; None means the bundled ``eval/thresholds.toml``.

    Returns:
        ``{suite: {part: {metric: bound}}}``.

    Raises:
        ThresholdsError: An unknown suite, a part that is not a table, or a non-numeric bound.
    """
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    known = {s.value for s in SuiteName}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for suite, parts in data.items():
        if suite not in known or not isinstance(parts, dict):
            raise ThresholdsError(f"{path}: unknown suite table [{suite}] (use one of {', '.join(sorted(known))})")
        for part, bounds in parts.items():
            if not isinstance(bounds, dict):
                raise ThresholdsError(f"{path}: [{suite}] {part} must be a table [{suite}.{part}] of metric = bound")
            for metric, bound in bounds.items():
                if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                    raise ThresholdsError(f"{path}: [{suite}.{part}] {metric} must be a number")
            out.setdefault(suite, {})[part] = {m: float(b) for m, b in bounds.items()}
    return out


def check_parts(
    parts: dict[str, dict[str, Any]], thresholds: dict[str, dict[str, float]], prefix: str = "", *, strict: bool = False
) -> list[str]:
    """List the bounds that per-part scores violate (empty when all are met).

    A part that did not run and a metric that could not be measured (None) are skipped.
    Latency, ``errors`` and ``miscited_share_all`` bounds are maxima; all others minima.

    Args:
        parts: ``{part: {metric: value}}``.
        thresholds: ``{part: {metric: bound}}``.
        prefix: Put before each message (``"review."``).
        strict: Raise on a metric the scores do not report (a typo must not pass silently).

    Returns:
        One message per violation, e.g. ``"main.accuracy 0.812 < 0.850"``.

    Raises:
        ThresholdsError: ``strict`` and a bound names a metric the part does not report.
    """
    violations = []
    for part, bounds in thresholds.items():
        scores = parts.get(part)
        if scores is None:
            continue
        for metric, bound in bounds.items():
            if strict and metric not in scores:
                reported = ", ".join(sorted(k for k in scores if k != "by_tag"))
                raise ThresholdsError(f"threshold {prefix}{part}.{metric}: no such metric (reported: {reported})")
            value = scores.get(metric)
            if value is None:
                continue
            if metric in UPPER_BOUNDS and value > bound:
                violations.append(f"{prefix}{part}.{metric} {value:.3f} > {bound:.3f}")
            elif metric not in UPPER_BOUNDS and value < bound:
                violations.append(f"{prefix}{part}.{metric} {value:.3f} < {bound:.3f}")
    return violations


def check_thresholds(results: Sequence[SuiteResult], thresholds: dict[str, dict[str, dict[str, float]]]) -> list[str]:
    """List the thresholds the suites' results violate, e.g. ``"review.main.accuracy 0.812 < 0.850"``.

    Suites that did not run are skipped; see :func:`check_parts`.
    """
    violations = []
    for result in results:
        violations += check_parts(result.parts, thresholds.get(result.suite, {}), f"{result.suite}.", strict=True)
    return violations


@dataclass(frozen=True)
class Anchor:
    """A published figure and/or the issue's target for one suite metric."""

    suite: str
    metric: str
    anchor: float | None = None
    source: str = ""
    target: float | None = None


def load_anchors(path: str | Path | None = None) -> list[Anchor]:
    """Read ``eval/anchors.toml``: ``[[row]]`` entries of suite, metric, anchor, source, target."""
    path = Path(path) if path is not None else DEFAULT_ANCHORS
    with open(path, "rb") as fh:
        rows = tomllib.load(fh).get("row", [])
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(Anchor(**row))
        except TypeError as exc:
            raise ThresholdsError(f"{path}: row {i + 1}: {exc}") from exc
    return out
