"""Run eval cases through anything with ``.ask(question)``, score them and check thresholds.

Typical use (the CLI and the end-to-end gate test)::

    report = evaluate(engine, load_cases())
    violations = check_thresholds(report, load_thresholds())
"""

from __future__ import annotations

import dataclasses
import logging
import time
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from citeqa.eval.cases import Case, load_cases
from citeqa.eval.scoring import CaseResult, score_answer, summarise

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
PARTS = ("main", "holdout")
# Metrics a threshold may name; those in UPPER_BOUNDS are maxima, the rest minima.
METRICS = (
    "accuracy",
    "credit",
    "answerable_accuracy",
    "abstention_precision",
    "abstention_recall",
    "grounding",
    "citation_accuracy",
    "recall_at_5",
    "mrr",
    "conflict_detection",
    "latency_p50_ms",
    "latency_p95_ms",
    "errors",
)
UPPER_BOUNDS = frozenset({"latency_p50_ms", "latency_p95_ms", "errors"})


class Asker(Protocol):
    """Anything that answers a question: the Engine, an HTTP client wrapper, a fake."""

    def ask(self, question: str) -> Any: ...


class ThresholdsError(ValueError):
    """The thresholds file names an unknown part or metric, or a non-numeric value."""


@dataclass
class EvalReport:
    """The scored results of one run and the aggregate scores per part (main, holdout)."""

    results: list[CaseResult]
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def part_results(self, part: str) -> list[CaseResult]:
        return [r for r in self.results if r.case.part == part]

    @property
    def failures(self) -> list[CaseResult]:
        """Results that are wrong, ungrounded or cite the wrong place."""
        return [
            r
            for r in self.results
            if not r.score.correct or r.score.grounded is False or r.score.citation_ok is False
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form: parts, violations and one entry per case."""
        return {
            "parts": self.parts,
            "violations": list(self.violations),
            "cases": [
                {
                    "id": r.case.id,
                    "part": r.case.part,
                    "question": r.case.question,
                    "tags": r.case.tags,
                    "expected": r.case.expected,
                    "latency_ms": round(r.latency_ms, 3),
                    "error": r.error,
                    "score": dataclasses.asdict(r.score),
                    "answer": r.answer,
                }
                for r in self.results
            ],
        }


def answer_to_dict(answer: Any) -> dict[str, Any]:
    """Turn whatever ``.ask`` returned into the ``Answer.to_dict()`` shape.

    Args:
        answer: An ``Answer``, any object with ``to_dict()`` or ``model_dump()``, a dataclass or a dict.

    Returns:
        The answer as a plain dict.

    Raises:
        TypeError: For anything else.
    """
    if isinstance(answer, dict):
        return answer
    for method in ("to_dict", "model_dump"):
        if callable(getattr(answer, method, None)):
            return getattr(answer, method)()
    if dataclasses.is_dataclass(answer) and not isinstance(answer, type):
        return dataclasses.asdict(answer)
    raise TypeError(f"cannot read an answer of type {type(answer).__name__}")


def run_case(asker: Asker, case: Case) -> CaseResult:
    """Ask one question, time it and score the answer; an exception becomes a failed result.

    Args:
        asker: An object with ``.ask(question)``.
        case: The case to run.

    Returns:
        The scored result.
    """
    start = time.perf_counter()
    answer: dict[str, Any] | None = None
    error: str | None = None
    try:
        answer = answer_to_dict(asker.ask(case.question))
    except Exception as exc:  # noqa: BLE001 - one failing question must not stop the run
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("case %s raised %s", case.id, error)
    latency_ms = (time.perf_counter() - start) * 1000
    return CaseResult(case=case, answer=answer, latency_ms=latency_ms, score=score_answer(case, answer), error=error)


def run_cases(asker: Asker, cases: Iterable[Case]) -> list[CaseResult]:
    """Run every case in order (see :func:`run_case`)."""
    return [run_case(asker, case) for case in cases]


def summarise_parts(results: Sequence[CaseResult]) -> dict[str, dict[str, Any]]:
    """Aggregate scores separately for the main set and the holdout (absent parts are left out)."""
    parts = {}
    for part in PARTS:
        chosen = [r for r in results if r.case.part == part]
        if chosen:
            parts[part] = summarise(chosen)
    return parts


def evaluate(
    asker: Asker,
    cases: Iterable[Case] | None = None,
    thresholds: dict[str, dict[str, float]] | None = None,
) -> EvalReport:
    """Run and score cases; optionally record threshold violations on the report.

    Args:
        asker: An object with ``.ask(question)`` returning an Answer (or its dict).
        cases: The cases; None loads the bundled ``eval/questions.jsonl``.
        thresholds: Minimum/maximum scores per part (see :func:`load_thresholds`); None skips the check.

    Returns:
        The report with per-case results, per-part scores and any violations.
    """
    cases = load_cases() if cases is None else list(cases)
    results = run_cases(asker, cases)
    report = EvalReport(results=results, parts=summarise_parts(results))
    if thresholds is not None:
        report.violations = check_thresholds(report, thresholds)
    return report


def load_thresholds(path: str | Path | None = None) -> dict[str, dict[str, float]]:
    """Read a thresholds TOML file: ``[main]`` / ``[holdout]`` tables of metric = bound.

    Args:
        path: The file; None means the bundled ``eval/thresholds.toml``.

    Returns:
        ``{part: {metric: bound}}``.

    Raises:
        ThresholdsError: On an unknown part or metric, or a non-numeric bound.
    """
    path = Path(path) if path is not None else DEFAULT_THRESHOLDS
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, dict[str, float]] = {}
    for part, table in data.items():
        if part not in PARTS or not isinstance(table, dict):
            raise ThresholdsError(f"{path}: unknown table [{part}] (use [main] or [holdout])")
        out[part] = {}
        for metric, bound in table.items():
            if metric not in METRICS:
                raise ThresholdsError(f"{path}: [{part}] unknown metric {metric!r}; known: {', '.join(METRICS)}")
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                raise ThresholdsError(f"{path}: [{part}] {metric} must be a number")
            out[part][metric] = float(bound)
    return out


def check_thresholds(report: EvalReport, thresholds: dict[str, dict[str, float]]) -> list[str]:
    """List the thresholds a report violates (empty when all pass).

    A metric that could not be measured (None, e.g. no abstain cases in the file) or a
    part with no cases is skipped. Latency and ``errors`` bounds are maxima; all other
    bounds are minima.

    Args:
        report: An evaluated report.
        thresholds: ``{part: {metric: bound}}`` as from :func:`load_thresholds`.

    Returns:
        One message per violation, e.g. ``"main.accuracy 0.812 < 0.850"``.
    """
    violations = []
    for part, bounds in thresholds.items():
        scores = report.parts.get(part)
        if scores is None:
            continue
        for metric, bound in bounds.items():
            value = scores.get(metric)
            if value is None:
                continue
            if metric in UPPER_BOUNDS and value > bound:
                violations.append(f"{part}.{metric} {value:.3f} > {bound:.3f}")
            elif metric not in UPPER_BOUNDS and value < bound:
                violations.append(f"{part}.{metric} {value:.3f} < {bound:.3f}")
    return violations


def run_cli(
    asker: Asker,
    files: Sequence[str | Path] | None = None,
    *,
    as_json: bool = False,
    report_path: str | Path | None = None,
    junit_path: str | Path | None = None,
    thresholds_path: str | Path | None = None,
) -> tuple[str, int]:
    """Everything ``citeqa eval [FILE ...] [--json] [--report PATH] [--junit PATH]`` does except printing.

    Args:
        asker: The engine (anything with ``.ask``).
        files: Question files; None/empty means the bundled set.
        as_json: Return the JSON report instead of the text summary.
        report_path: Where to write the Markdown report, if anywhere.
        junit_path: Where to write the JUnit XML, if anywhere.
        thresholds_path: Thresholds file; None means the bundled one.

    Returns:
        The text to print and the exit status (1 when a threshold is violated, else 0).
    """
    from citeqa.eval import report as render

    report = evaluate(asker, load_cases(files or None), load_thresholds(thresholds_path))
    if report_path is not None:
        Path(report_path).write_text(render.to_markdown(report), encoding="utf-8")
    if junit_path is not None:
        Path(junit_path).write_text(render.to_junit(report), encoding="utf-8")
    text = render.to_json(report) if as_json else render.to_text(report)
    return text, 1 if report.violations else 0
