"""Render an EvalRun: one terminal table, Markdown, JUnit XML and JSON. Nothing here prints.

The table has one row per suite and metric, the suite's parts as columns (``main`` — or the
benchmark split — and ``holdout``), and the published anchor and the issue's target beside ours
(from ``eval/anchors.toml``).
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from citeqa.eval.results import Anchor, EvalRun, Item, SuiteResult, load_anchors

logger = logging.getLogger(__name__)

# metric -> (label, kind); kind "pct" renders as a percentage, "ms" as milliseconds.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "n": ("questions", "int"),
    "accuracy": ("accuracy", "pct"),
    "credit": ("credit (partial for conflicts)", "pct"),
    "answerable_accuracy": ("accuracy on answerable", "pct"),
    "abstention_precision": ("abstention precision", "pct"),
    "abstention_recall": ("abstention recall", "pct"),
    "grounding": ("grounding", "pct"),
    "citation_accuracy": ("citation accuracy", "pct"),
    "recall_at_5": ("retrieval recall@5", "pct"),
    "mrr": ("retrieval MRR", "float"),
    "conflict_detection": ("conflicts flagged", "pct"),
    "evidence_at_5": ("evidence in top 5", "pct"),
    "article_at_5": ("article in top 5", "pct"),
    "answer_rate": ("answered", "pct"),
    "cited_evidence_share_answered": ("cites evidence / answered", "pct"),
    "cited_evidence_share_all": ("cites evidence / all", "pct"),
    "miscited_share_all": ("answered, evidence not cited / all", "pct"),
    "precision": ("precision (correct / answered)", "pct"),
    "key_passage_at_10": ("key passage in top 10", "pct"),
    "key_passage_extracted": ("key passage extracted", "pct"),
    "choice_quoted": ("choice stated in a cited quote", "pct"),
    "direction_accuracy": ("direction right / all", "pct"),
    "direction_given": ("direction given", "pct"),
    "direction_precision": ("direction right / given", "pct"),
    "decided_share": ("verdict yes or no", "pct"),
    "decided_precision": ("verdict precision (yes/no right / given)", "pct"),
    "right_abstract_cited": ("right abstract cited", "pct"),
    "majority_baseline": ("majority-class baseline", "pct"),
    "latency_p50_ms": ("latency p50", "ms"),
    "latency_p95_ms": ("latency p95", "ms"),
    "errors": ("errors", "int"),
}
HOLDOUT = "holdout"
FAILURES_SHOWN = 12


def cell(value: Any, kind: str) -> str:
    """A metric value for display (``n/a`` when it could not be measured)."""
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.0f} ms"
    if kind == "float":
        return f"{value:.3f}"
    return str(value)


def _main_part(result: SuiteResult) -> str | None:
    return next((p for p in result.parts if p != HOLDOUT), None)


def table_rows(run: EvalRun, anchors: Sequence[Anchor] | None = None) -> list[tuple[str, ...]]:
    """``(suite, metric, main, holdout, anchor, target)`` display rows, one per suite metric."""
    anchors = load_anchors() if anchors is None else anchors
    by_key = {(a.suite, a.metric): a for a in anchors}
    rows = []
    for result in run.suites:
        main = _main_part(result)
        for metric in result.metrics or tuple(k for k in result.parts.get(main or "", {}) if k in METRIC_LABELS):
            label, kind = METRIC_LABELS.get(metric, (metric, "float"))
            values = [result.parts.get(p, {}).get(metric) if p else None for p in (main, HOLDOUT)]
            present = [p in result.parts for p in (main, HOLDOUT)]
            a = by_key.get((result.suite, metric))
            rows.append((
                result.label,
                label,
                *(cell(v, kind) if ok else "" for v, ok in zip(values, present)),
                cell(a.anchor, kind) if a and a.anchor is not None else "",
                ("≥ " + cell(a.target, kind)) if a and a.target is not None else "",
            ))
    return rows


HEADER = ("suite", "metric", "main", "holdout", "anchor", "target")


def _anchor_sources(run: EvalRun, anchors: Sequence[Anchor]) -> list[str]:
    ran = {r.suite for r in run.suites}
    seen, out = set(), []
    for a in anchors:
        if a.suite in ran and a.anchor is not None and a.source and a.source not in seen:
            seen.add(a.source)
            out.append(f"{a.suite}: {a.source}")
    return out


def _failures(result: SuiteResult) -> list[Item]:
    return [i for i in result.items if not i.ok or i.error]


def to_text(run: EvalRun, anchors: Sequence[Anchor] | None = None) -> str:
    """The one table, anchor sources, notes, the first failures of each suite and the threshold verdict."""
    anchors = load_anchors() if anchors is None else anchors
    rows = [HEADER, *table_rows(run, anchors)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    sources = _anchor_sources(run, anchors)
    if sources:
        lines += ["", "anchors: " + "; ".join(sources)]
    notes = [f"{r.label}: {note}" for r in run.suites for note in r.notes]
    if notes:
        lines += ["", "notes:", *(f"  {n}" for n in notes)]
    for result in run.suites:
        failures = _failures(result)
        if not failures:
            continue
        lines += ["", f"FAILURES {result.label} ({len(failures)} of {len(result.items)})"]
        for item in failures[:FAILURES_SHOWN]:
            why = item.error or item.message
            tag = " (holdout)" if item.part == HOLDOUT else ""
            lines.append(f"  {item.id}{tag}: {_clip(item.question, 70)} — {_clip(why, 110)}")
        if len(failures) > FAILURES_SHOWN:
            lines.append(f"  … {len(failures) - FAILURES_SHOWN} more (--json or --report for all)")
    lines.append("")
    if run.violations:
        lines += ["THRESHOLDS VIOLATED", *(f"  {v}" for v in run.violations)]
    else:
        lines.append("thresholds: all met")
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _md(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(run: EvalRun, anchors: Sequence[Anchor] | None = None) -> str:
    """A Markdown report: the table, anchors, notes, thresholds and every failure per suite."""
    anchors = load_anchors() if anchors is None else anchors
    out = ["# citeqa evaluation", "", "| " + " | ".join(HEADER) + " |", "|---|---|---:|---:|---:|---:|"]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in table_rows(run, anchors)]
    sources = _anchor_sources(run, anchors)
    if sources:
        out += ["", "Anchors: " + "; ".join(_md(s) for s in sources)]
    notes = [f"{r.label}: {note}" for r in run.suites for note in r.notes]
    if notes:
        out += ["", "## Notes", "", *(f"- {_md(n)}" for n in notes)]
    out += ["", "## Thresholds", ""]
    out += [f"- **violated:** `{v}`" for v in run.violations] if run.violations else ["All thresholds met."]
    for result in run.suites:
        failures = _failures(result)
        out += ["", f"## Failures: {_md(result.label)} ({len(failures)} of {len(result.items)})", ""]
        if not failures:
            out.append("None.")
            continue
        out += ["| id | part | question | why |", "|---|---|---|---|"]
        out += [f"| {_md(i.id)} | {i.part} | {_md(i.question)} | {_md(i.error or i.message)} |" for i in failures]
    return "\n".join(out) + "\n"


def to_junit(run: EvalRun) -> str:
    """JUnit XML: one ``<testsuite>`` per suite and part, one ``<testcase>`` per question.

    A wrong, ungrounded or mis-cited answer is a ``<failure>``; a question whose ``ask`` raised
    is an ``<error>``.
    """
    root = ET.Element("testsuites", name="citeqa-eval")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for result in run.suites:
        for part in result.parts:
            items = [i for i in result.items if i.part == part]
            name = f"citeqa.eval.{result.suite}.{part}"
            suite = ET.SubElement(root, "testsuite", name=name)
            counts = {"tests": len(items), "failures": 0, "errors": 0}
            for item in items:
                tc = ET.SubElement(suite, "testcase", classname=name, name=item.id, time=f"{item.latency_ms / 1000:.3f}")
                if item.error is not None:
                    counts["errors"] += 1
                    ET.SubElement(tc, "error", message=item.error, type="error").text = item.question
                elif not item.ok:
                    counts["failures"] += 1
                    ET.SubElement(tc, "failure", message=item.message or "wrong", type="failure").text = item.question
            for key, value in counts.items():
                suite.set(key, str(value))
                total[key] += value
            suite.set("time", f"{sum(i.latency_ms for i in items) / 1000:.3f}")
    for key, value in total.items():
        root.set(key, str(value))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def to_json(run: EvalRun) -> str:
    """The run as indented JSON (see ``EvalRun.to_dict``)."""
    return json.dumps(run.to_dict(), indent=2, ensure_ascii=False)
