"""Scoring: one answer against one case, and the aggregate scores of a run.

Answers are handled as plain dicts in the shape of ``Answer.to_dict()`` so that the
scorer works the same for the engine, the HTTP API's JSON and hand-made test answers.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from citeqa.eval.calibration import calibration_error
from citeqa.eval.cases import Case, Source
from citeqa.eval.numbers import (
    Quantity,
    all_digit_runs,
    close,
    normalise_unit,
    numbers_in,
    parse_quantities,
    same_value,
    text_contains,
)

logger = logging.getLogger(__name__)

RECALL_K = 5
# Partial credit for any_of (conflict) cases; see README "Scores".
CREDIT_ONE_SIDE = 0.5
CREDIT_FLAGGED = 0.75
CREDIT_FLAGGED_ALL = 1.0


@dataclass
class CaseScore:
    """How one answer fared on one case. ``None`` means the score does not apply."""

    correct: bool
    credit: float
    abstained: bool
    expect_abstain: bool
    grounded: bool | None = None
    ungrounded: list[float] = field(default_factory=list)
    citation_ok: bool | None = None
    retrieval_rank: int | None = None
    conflict_flagged: bool = False
    got: str = ""
    cited_sections: list[str] = field(default_factory=list)
    message: str = ""


@dataclass
class CaseResult:
    """A case, the answer the system gave (``Answer.to_dict()`` shape), its timing and score."""

    case: Case
    answer: dict[str, Any] | None
    latency_ms: float
    score: CaseScore
    error: str | None = None


# ---------------------------------------------------------------- answer access


def _quantity(value: Any) -> Quantity | None:
    if not isinstance(value, dict):
        return None
    q = Quantity(value.get("number"), normalise_unit(value.get("unit")), value.get("low"), value.get("high"))
    if q.number is None and not q.is_range:
        return None
    return q


def answer_quantities(answer: dict[str, Any]) -> list[Quantity]:
    """The structured figures of an answer: ``value`` first, then ``values`` (deduplicated)."""
    out: list[Quantity] = []
    for raw in [answer.get("value"), *(answer.get("values") or [])]:
        q = _quantity(raw)
        if q is not None and q not in out:
            out.append(q)
    return out


def _primary(answer: dict[str, Any]) -> Quantity | None:
    structured = answer_quantities(answer)
    if structured:
        return structured[0]
    parsed = parse_quantities(answer.get("answer") or "")
    return parsed[0] if parsed else None


def _fmt(q: Quantity | None) -> str:
    if q is None:
        return "-"
    unit = q.unit or ""
    sep = "" if unit in ("", "%") else " "
    if q.is_range:
        return f"{q.low:g}-{q.high:g}{sep}{unit}"
    return f"{q.number:g}{sep}{unit}"


def cited_sections(answer: dict[str, Any]) -> list[str]:
    """``doc_id:section`` of every citation (the table label for table cells and table passages)."""
    passages = {p.get("passage_id"): p for p in answer.get("passages") or []}
    out: list[str] = []
    for c in answer.get("citations") or []:
        cell = c.get("cell") or {}
        passage = passages.get(c.get("passage_id")) or {}
        label = cell.get("table") or _passage_table(passage) or c.get("section") or "?"
        item = f"{c.get('doc_id', '?')}:{label}"
        if item not in out:
            out.append(item)
    return out


def _norm_section(section: str | None) -> str:
    return re.sub(r"\s+", " ", (section or "").strip().rstrip(".:")).casefold()


def _section_matches(section: str | None, source: Source) -> bool:
    return section is not None and any(_norm_section(section) == _norm_section(s) for s in source.sections)


_TABLE_PREFIX = re.compile(r"\s*(Table\s+\d+[A-Za-z]?)\b", re.IGNORECASE)


def _passage_table(passage: dict[str, Any]) -> str | None:
    """The table label of a table passage: its ``table`` field, or the "Table N." its text starts with."""
    if passage.get("table"):
        return passage["table"]
    if passage.get("kind") in ("table_row", "caption", "footnote", "table"):
        m = _TABLE_PREFIX.match(passage.get("text") or "")
        return m.group(1) if m else None
    return None


def passage_matches(passage: dict[str, Any], source: Source) -> bool:
    """A retrieved passage is the expected source.

    Same ``doc_id`` and either the same section, the same table label (``table`` field or a
    table passage whose text starts with "Table N."), or — for reference sources — the
    reference number among the passage's ``references``. A source with ``pages`` (PDF
    questions) matches on the passage's page instead.
    """
    if passage.get("doc_id") != source.doc_id:
        return False
    if source.pages:
        return passage.get("page") in source.pages
    if _section_matches(passage.get("section"), source) or _section_matches(_passage_table(passage), source):
        return True
    if source.reference is not None:
        return source.reference in (passage.get("references") or [])
    return source.section is None


def citation_matches(citation: dict[str, Any], source: Source, passages: Sequence[dict[str, Any]] = ()) -> bool:
    """A citation is at the expected place.

    Same ``doc_id`` and either its ``section``, its ``cell.table``, the retrieved passage it
    quotes (looked up by ``passage_id`` in ``passages``) or — for reference sources — one of its
    ``references`` matches the source. A source with ``pages`` matches on the citation's page.
    """
    if citation.get("doc_id") != source.doc_id:
        return False
    if source.pages:
        return citation.get("page") in source.pages
    cell = citation.get("cell") or {}
    if _section_matches(citation.get("section"), source) or _section_matches(cell.get("table"), source):
        return True
    if source.reference is not None:
        numbers = {r.get("number") for r in citation.get("references") or [] if isinstance(r, dict)}
        if source.reference in numbers:
            return True
    pid = citation.get("passage_id")
    if pid is not None and any(p.get("passage_id") == pid and passage_matches(p, source) for p in passages):
        return True
    return source.section is None


def retrieval_rank(answer: dict[str, Any], source: Source) -> int:
    """1-based rank of the first retrieved passage matching ``source``; 0 when none does."""
    for rank, passage in enumerate(answer.get("passages") or [], start=1):
        if passage_matches(passage, source):
            return rank
    return 0


def grounding(answer: dict[str, Any]) -> list[float]:
    """Numbers in the answer string that no cited quote (or cited cell) contains. The cited sections' names
    the answer shows ("(2. Methods)") say where a figure was found; their numbers are not figures."""
    quoted: set[float] = set()
    text = answer.get("answer") or ""
    for c in answer.get("citations") or []:
        quoted |= all_digit_runs(c.get("quote") or "")
        cell = c.get("cell") or {}
        quoted |= all_digit_runs(cell.get("text") or "")
        if c.get("section"):
            text = text.replace(c["section"], " ")
    missing = []
    for n in numbers_in(text):
        if not any(close(n, q, 1e-9) for q in quoted) and n not in missing:
            missing.append(n)
    return missing


# ---------------------------------------------------------------- spans


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters shared by two ``[start, end)`` spans (0 when disjoint)."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _span_of(item: dict[str, Any]) -> tuple[int, int] | None:
    start, end = item.get("start"), item.get("end")
    if isinstance(start, int) and isinstance(end, int) and end > start:
        return start, end
    return None


def cites_spans(citation: dict[str, Any], doc_id: str, spans: Sequence[tuple[int, int]]) -> bool:
    """A citation states an expected sentence: same document, and at least half of the citation's
    characters lie inside the expected spans (so a clause of the sentence counts, a whole passage
    around it does not)."""
    span = _span_of(citation)
    if citation.get("doc_id") != doc_id or span is None:
        return False
    inside = sum(overlap(span, s) for s in spans)
    return inside > 0 and 2 * inside >= span[1] - span[0]


def touches_spans(item: dict[str, Any], doc_id: str, spans: Sequence[tuple[int, int]]) -> bool:
    """A passage or citation in ``doc_id`` shares at least one character with an expected span."""
    span = _span_of(item)
    return item.get("doc_id") == doc_id and span is not None and any(overlap(span, s) for s in spans)


def span_rank(answer: dict[str, Any], doc_id: str, spans: Sequence[tuple[int, int]]) -> int:
    """1-based rank of the first retrieved passage touching an expected span; 0 when none does."""
    for rank, passage in enumerate(answer.get("passages") or [], start=1):
        if touches_spans(passage, doc_id, spans):
            return rank
    return 0


def _score_sentences(case: Case, answer: dict[str, Any]) -> tuple[bool, str]:
    doc_id = case.source.doc_id if case.source else "review"
    ok = any(cites_spans(c, doc_id, case.spans) for c in answer.get("citations") or [])
    quotes = " | ".join((c.get("quote") or "")[:80] for c in answer.get("citations") or [])
    return ok, quotes or (answer.get("answer") or "")


# ---------------------------------------------------------------- per shape


def _score_number(case: Case, answer: dict[str, Any]) -> tuple[bool, str]:
    q = _primary(answer)
    ok = q is not None and same_value(
        case.expected["number"], q.number, unit=case.unit, got_unit=q.unit, tolerance=case.tolerance
    )
    return ok, _fmt(q)


def _score_range(case: Case, answer: dict[str, Any]) -> tuple[bool, str]:
    q = _primary(answer)
    if q is not None and not q.is_range and not answer_quantities(answer):
        q = next((p for p in parse_quantities(answer.get("answer") or "") if p.is_range), q)
    ok = (
        q is not None
        and q.is_range
        and same_value(case.expected["low"], q.low, unit=case.unit, got_unit=q.unit, tolerance=case.tolerance)
        and same_value(case.expected["high"], q.high, unit=case.unit, got_unit=q.unit, tolerance=case.tolerance)
    )
    return ok, _fmt(q)


def _score_any_of(case: Case, answer: dict[str, Any]) -> tuple[bool, float, str]:
    structured = answer_quantities(answer) or [q for q in [_primary(answer)] if q is not None]
    text = answer.get("answer") or ""
    text_numbers = numbers_in(text)
    options = case.expected["any_of"]
    matched: set[int] = set()  # options the answer's value(s) give
    mentioned: set[int] = set()  # options the answer gives or states in its text
    for i, option in enumerate(options):
        if isinstance(option, str):
            if text_contains(text, option):
                matched.add(i)
            continue
        for q in structured:
            if same_value(option, q.number, unit=case.unit, got_unit=q.unit, tolerance=case.tolerance):
                matched.add(i)
        if any(close(option, n, case.tolerance) for n in text_numbers):
            mentioned.add(i)
    mentioned |= matched
    ok = bool(matched)
    flagged = bool(answer.get("conflict"))
    if not ok:
        credit = 0.0
    elif flagged and len(mentioned) == len(options):
        credit = CREDIT_FLAGGED_ALL
    elif flagged:
        credit = CREDIT_FLAGGED
    else:
        credit = CREDIT_ONE_SIDE
    got = ", ".join(_fmt(q) for q in structured) or "-"
    return ok, credit, got + (" (conflict)" if flagged else "")


def _score_text(case: Case, answer: dict[str, Any]) -> tuple[bool, str]:
    expected = case.expected["text"]
    text = answer.get("answer") or ""
    ok = text_contains(text, expected) or any(
        q.number is not None and text_contains(f"{q.number:g}", expected) for q in answer_quantities(answer)
    )
    return ok, text


def expected_label(case: Case) -> str:
    """A short human-readable form of what a case expects."""
    e, unit = case.expected, case.unit or ""
    sep = "" if unit in ("", "%") else " "
    if case.kind == "number":
        return f"{e['number']:g}{sep}{unit}"
    if case.kind == "range":
        return f"{e['low']:g}-{e['high']:g}{sep}{unit}"
    if case.kind == "any_of":
        return "any of " + " | ".join(f"{o:g}" if not isinstance(o, str) else o for o in e["any_of"])
    if case.kind == "text":
        return f'"{e["text"]}"'
    if case.kind == "sentences":
        first = e["sentences"][0]
        return f"cite [{first['start']},{first['end']}) " + first["text"][:60] + ("…" if len(first["text"]) > 60 else "")
    return "abstain"


def score_answer(case: Case, answer: dict[str, Any] | None) -> CaseScore:
    """Score one answer (``Answer.to_dict()`` shape, or None when the system failed).

    Args:
        case: The eval case.
        answer: The answer dict, or None when asking raised.

    Returns:
        The case score: correctness, partial credit, grounding, citation and retrieval.
    """
    expect_abstain = case.kind == "abstain"
    if answer is None:
        return CaseScore(
            correct=False,
            credit=0.0,
            abstained=False,
            expect_abstain=expect_abstain,
            retrieval_rank=0 if case.source or case.kind == "sentences" else None,
            citation_ok=False if case.source and not expect_abstain and case.kind != "sentences" else None,
            got="(error)",
            message="no answer (the system raised)",
        )
    abstained = bool(answer.get("abstained"))
    score = CaseScore(
        correct=False,
        credit=0.0,
        abstained=abstained,
        expect_abstain=expect_abstain,
        conflict_flagged=bool(answer.get("conflict")),
        cited_sections=cited_sections(answer),
    )
    if case.kind == "sentences":
        score.retrieval_rank = span_rank(answer, case.source.doc_id if case.source else "review", case.spans)
    elif case.source is not None:
        score.retrieval_rank = retrieval_rank(answer, case.source)
    if not abstained:
        score.ungrounded = grounding(answer)
        score.grounded = not score.ungrounded
        if case.source is not None and not expect_abstain and case.kind != "sentences":
            passages = answer.get("passages") or []
            score.citation_ok = any(
                citation_matches(c, case.source, passages) for c in answer.get("citations") or []
            )
    if expect_abstain:
        score.correct = abstained
        score.got = "abstained" if abstained else f"answered: {answer.get('answer') or ''}"
    elif abstained:
        score.got = f"abstained ({answer.get('reason') or 'no reason'})"
    elif case.kind == "number":
        score.correct, score.got = _score_number(case, answer)
    elif case.kind == "range":
        score.correct, score.got = _score_range(case, answer)
    elif case.kind == "any_of":
        score.correct, score.credit, score.got = _score_any_of(case, answer)
    elif case.kind == "sentences":
        score.correct, score.got = _score_sentences(case, answer)
    else:
        score.correct, score.got = _score_text(case, answer)
    if case.kind != "any_of":
        score.credit = 1.0 if score.correct else 0.0
    problems = []
    if not score.correct:
        problems.append(f"expected {expected_label(case)}, got {score.got}")
    if score.grounded is False:
        problems.append("ungrounded numbers " + ", ".join(f"{n:g}" for n in score.ungrounded))
    if score.citation_ok is False:
        src = case.source
        where = " or ".join(src.sections) or "p. " + " or ".join(map(str, src.pages))  # type: ignore[union-attr]
        problems.append(f"no citation at {src.doc_id}:{where}")  # type: ignore[union-attr]
    score.message = "; ".join(problems)
    return score


# ---------------------------------------------------------------- aggregates


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(flags: Iterable[float | bool]) -> float | None:
    items = [float(f) for f in flags]
    return sum(items) / len(items) if items else None


def summarise(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Aggregate scores over a list of results (one part: main or holdout).

    Args:
        results: Scored results.

    Returns:
        A dict of metric name to value; a metric with nothing to measure is None.
        Keys: n, errors, accuracy, credit, answerable_accuracy, abstention_precision,
        abstention_recall, grounding, citation_accuracy, recall_at_5, mrr,
        conflict_detection, calibration_error, latency_p50_ms, latency_p95_ms, by_tag.
    """
    scores = [r.score for r in results]
    abstained = [s for s in scores if s.abstained]
    should = [s for s in scores if s.expect_abstain]
    true_abstain = [s for s in abstained if s.expect_abstain]
    ranks = [s.retrieval_rank for s in scores if s.retrieval_rank is not None]
    conflicts = [r.score for r in results if r.case.kind == "any_of"]
    by_tag: dict[str, dict[str, Any]] = {}
    for r in results:
        for tag in r.case.tags:
            entry = by_tag.setdefault(tag, {"n": 0, "correct": 0})
            entry["n"] += 1
            entry["correct"] += int(r.score.correct)
    for entry in by_tag.values():
        entry["accuracy"] = entry["correct"] / entry["n"]
    latencies = [r.latency_ms for r in results]
    return {
        "n": len(results),
        "errors": sum(1 for r in results if r.error is not None),
        "accuracy": _mean(s.correct for s in scores),
        "credit": _mean(s.credit for s in scores),
        "answerable_accuracy": _mean(s.correct for s in scores if not s.expect_abstain),
        "abstention_precision": len(true_abstain) / len(abstained) if abstained else None,
        "abstention_recall": len(true_abstain) / len(should) if should else None,
        "grounding": _mean(s.grounded for s in scores if s.grounded is not None),
        "citation_accuracy": _mean(s.citation_ok for s in scores if s.citation_ok is not None),
        "recall_at_5": _mean(0 < k <= RECALL_K for k in ranks),
        "mrr": _mean(1 / k if k else 0.0 for k in ranks),
        "conflict_detection": _mean(s.conflict_flagged for s in conflicts),
        "calibration_error": _calibration(results),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "by_tag": dict(sorted(by_tag.items())),
    }


def _calibration(results: Sequence[CaseResult]) -> float | None:
    """Expected calibration error of the answers' ``confidence`` as the probability that they are right."""
    answered = [(r.answer.get("confidence", 0.0), r.score.correct) for r in results if r.answer is not None]
    return calibration_error(*zip(*answered, strict=True)) if answered else None
