"""Run question-file cases through anything with ``.ask(question)`` and score them.

Typical use (the CLI and the end-to-end gate test)::

    report = evaluate(engine, load_cases())
    suites = review_suites(engine)          # [review numeric, review open] as SuiteResults
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from citeqa.eval.cases import Case, load_cases
from citeqa.eval.results import Item, SuiteName, SuiteResult, check_parts
from citeqa.eval.scoring import CaseResult, expected_label, score_answer, summarise

logger = logging.getLogger(__name__)

PARTS = ("main", "holdout")


class Asker(Protocol):
    """Anything that answers a question: the Engine, an HTTP client wrapper, a fake."""

    def ask(self, question: str) -> Any: ...


@dataclass
class EvalReport:
    """The scored results of one run and the aggregate scores per part (main, holdout)."""

    results: list[CaseResult]
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[CaseResult]:
        """Results that are wrong, ungrounded or cite the wrong place."""
        return [
            r
            for r in self.results
            if not r.score.correct or r.score.grounded is False or r.score.citation_ok is False
        ]


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


def timed_ask(asker: Any, question: str, **kwargs: Any) -> tuple[dict[str, Any] | None, str | None, float]:
    """Ask one question and time it: ``(answer dict or None, error or None, milliseconds)``.

    An exception becomes an error string (one failing question must not stop a run).
    """
    start = time.perf_counter()
    answer: dict[str, Any] | None = None
    error: str | None = None
    try:
        answer = answer_to_dict(asker.ask(question, **kwargs))
    except Exception as exc:  # noqa: BLE001 - one failing question must not stop the run
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("%r raised %s", question[:60], error)
    return answer, error, (time.perf_counter() - start) * 1000


def run_case(asker: Asker, case: Case) -> CaseResult:
    """Ask one question, time it and score the answer; an exception becomes a failed result.

    Args:
        asker: An object with ``.ask(question)``.
        case: The case to run.

    Returns:
        The scored result.
    """
    answer, error, latency_ms = timed_ask(asker, case.question)
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
        thresholds: Minimum/maximum scores per part (``{part: {metric: bound}}``); None skips the check.

    Returns:
        The report with per-case results, per-part scores and any violations.
    """
    cases = load_cases() if cases is None else list(cases)
    results = run_cases(asker, cases)
    report = EvalReport(results=results, parts=summarise_parts(results))
    if thresholds is not None:
        report.violations = check_thresholds(report, thresholds)
    return report


def check_thresholds(report: EvalReport, thresholds: dict[str, dict[str, float]]) -> list[str]:
    """List the ``{part: {metric: bound}}`` thresholds a report violates (see ``results.check_parts``)."""
    return check_parts(report.parts, thresholds)


REVIEW_METRICS = (
    "n", "accuracy", "credit", "answerable_accuracy", "abstention_precision", "abstention_recall", "grounding",
    "citation_accuracy", "recall_at_5", "mrr", "conflict_detection", "calibration_error", "latency_p50_ms",
    "latency_p95_ms", "errors",
)
OPEN_METRICS = (
    "n", "accuracy", "answerable_accuracy", "abstention_precision", "abstention_recall", "grounding",
    "recall_at_5", "mrr", "calibration_error", "latency_p50_ms", "latency_p95_ms", "errors",
)


def _items(report: EvalReport) -> list[Item]:
    return [
        Item(
            id=r.case.id,
            part=r.case.part,
            question=r.case.question,
            ok=r.error is None and not r.score.message,
            message=r.score.message,
            latency_ms=r.latency_ms,
            error=r.error,
            detail={"expected": expected_label(r.case), "got": r.score.got, "cited": r.score.cited_sections,
                    "confidence": (r.answer or {}).get("confidence"), "abstained": r.score.abstained},
        )
        for r in report.results
    ]


def suite_result(report: EvalReport, suite: str, label: str, metrics: tuple[str, ...] = REVIEW_METRICS) -> SuiteResult:
    """An evaluated question file as one suite (parts main/holdout)."""
    return SuiteResult(suite=suite, label=label, parts=report.parts, items=_items(report), metrics=metrics)


def review_suites(asker: Asker, cases: Iterable[Case] | None = None) -> list[SuiteResult]:
    """Run the review question set as two suites: numeric (every case not tagged ``open``) and open.

    Args:
        asker: The engine over the review corpus.
        cases: The cases; None loads the bundled ``eval/questions.jsonl``.

    Returns:
        The numeric suite, then the open suite (each only when it has cases).
    """
    cases = load_cases() if cases is None else list(cases)
    out = []
    numeric = [c for c in cases if not c.is_open]
    open_ = [c for c in cases if c.is_open]
    if numeric:
        out.append(suite_result(evaluate(asker, numeric), SuiteName.review.value, "review, numeric"))
    if open_:
        out.append(suite_result(evaluate(asker, open_), SuiteName.review_open.value, "review, open", OPEN_METRICS))
    return out
