"""Render an EvalReport: terminal text, Markdown, JUnit XML and JSON. Nothing here prints."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from typing import Any

from citeqa.eval.harness import PARTS, EvalReport
from citeqa.eval.scoring import CaseResult, expected_label

logger = logging.getLogger(__name__)

# (metric key, label, kind) - kind "pct" renders as a percentage, "ms" as milliseconds.
SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("n", "cases", "int"),
    ("accuracy", "answer accuracy", "pct"),
    ("credit", "answer credit (partial for conflicts)", "pct"),
    ("answerable_accuracy", "accuracy on answerable cases", "pct"),
    ("abstention_precision", "abstention precision", "pct"),
    ("abstention_recall", "abstention recall", "pct"),
    ("grounding", "grounding", "pct"),
    ("citation_accuracy", "citation accuracy", "pct"),
    ("recall_at_5", "retrieval recall@5", "pct"),
    ("mrr", "retrieval MRR", "float"),
    ("conflict_detection", "conflicts flagged", "pct"),
    ("latency_p50_ms", "latency p50", "ms"),
    ("latency_p95_ms", "latency p95", "ms"),
    ("errors", "errors", "int"),
)


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.0f} ms"
    if kind == "float":
        return f"{value:.3f}"
    return str(value)


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _failure_row(r: CaseResult) -> tuple[str, str, str, str, str]:
    got = r.error or r.score.got
    if r.score.message and r.score.correct:  # right answer, but ungrounded or mis-cited
        got = f"{got} [{r.score.message}]"
    return (
        r.case.id + (" (holdout)" if r.case.holdout else ""),
        r.case.question,
        expected_label(r.case),
        got,
        ", ".join(r.score.cited_sections) or "-",
    )


def _parts(report: EvalReport) -> list[str]:
    return [p for p in PARTS if p in report.parts]


def to_text(report: EvalReport, width: int = 160) -> str:
    """A plain-text failures table followed by the summary, for the terminal.

    Args:
        report: The evaluated report.
        width: Target line width for the failures table.

    Returns:
        The text (the caller prints it).
    """
    lines: list[str] = []
    failures = report.failures
    if failures:
        widths = [26, max(20, width - 26 - 18 - 30 - 22 - 8), 18, 30, 22]
        header = ("id", "question", "expected", "got", "cited")
        lines.append(f"FAILURES ({len(failures)})")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        for r in failures:
            cells = _failure_row(r)
            lines.append("  ".join(_clip(c, w).ljust(w) for c, w in zip(cells, widths)).rstrip())
        lines.append("")
    parts = _parts(report)
    lines.append("SUMMARY")
    lines.append("metric".ljust(40) + "".join(p.rjust(12) for p in parts))
    for key, label, kind in SUMMARY_ROWS:
        lines.append(label.ljust(40) + "".join(_cell(report.parts[p].get(key), kind).rjust(12) for p in parts))
    lines.append("")
    if report.violations:
        lines.append("THRESHOLDS VIOLATED")
        lines.extend(f"  {v}" for v in report.violations)
    else:
        lines.append("thresholds: all met")
    return "\n".join(lines)


def _md(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(report: EvalReport) -> str:
    """A Markdown report: summary per part, thresholds, per-tag accuracy and failures.

    Args:
        report: The evaluated report.

    Returns:
        The Markdown document.
    """
    parts = _parts(report)
    out = ["# citeqa evaluation", "", "## Summary", ""]
    out.append("| metric | " + " | ".join(parts) + " |")
    out.append("|---|" + "---:|" * len(parts))
    for key, label, kind in SUMMARY_ROWS:
        out.append(f"| {label} | " + " | ".join(_cell(report.parts[p].get(key), kind) for p in parts) + " |")
    out += ["", "## Thresholds", ""]
    if report.violations:
        out += [f"- **violated:** `{v}`" for v in report.violations]
    else:
        out.append("All thresholds met.")
    out += ["", "## Accuracy by tag", "", "| tag | " + " | ".join(parts) + " |", "|---|" + "---:|" * len(parts)]
    tags = sorted({t for p in parts for t in report.parts[p]["by_tag"]})
    for tag in tags:
        cells = []
        for p in parts:
            entry = report.parts[p]["by_tag"].get(tag)
            cells.append(f"{entry['correct']}/{entry['n']}" if entry else "-")
        out.append(f"| {_md(tag)} | " + " | ".join(cells) + " |")
    failures = report.failures
    out += ["", f"## Failures ({len(failures)})", ""]
    if failures:
        out += ["| id | question | expected | got | cited section |", "|---|---|---|---|---|"]
        for r in failures:
            out.append("| " + " | ".join(_md(c) for c in _failure_row(r)) + " |")
    else:
        out.append("None.")
    return "\n".join(out) + "\n"


def to_junit(report: EvalReport) -> str:
    """JUnit XML: one ``<testsuite>`` per part, one ``<testcase>`` per case.

    A wrong, ungrounded or mis-cited answer is a ``<failure>``; a question whose ``ask``
    raised is an ``<error>``.

    Args:
        report: The evaluated report.

    Returns:
        The XML document as a string.
    """
    root = ET.Element("testsuites", name="citeqa-eval")
    total = {"tests": 0, "failures": 0, "errors": 0}
    for part in _parts(report):
        results = report.part_results(part)
        suite = ET.SubElement(root, "testsuite", name=f"citeqa.eval.{part}")
        counts = {"tests": len(results), "failures": 0, "errors": 0}
        elapsed = 0.0
        for r in results:
            elapsed += r.latency_ms / 1000
            tc = ET.SubElement(
                suite, "testcase", classname=f"citeqa.eval.{part}", name=r.case.id, time=f"{r.latency_ms / 1000:.3f}"
            )
            if r.error is not None:
                counts["errors"] += 1
                el = ET.SubElement(tc, "error", message=r.error, type="error")
                el.text = r.case.question
            elif r.score.message:
                counts["failures"] += 1
                el = ET.SubElement(tc, "failure", message=r.score.message, type="failure")
                el.text = f"question: {r.case.question}\ncited: {', '.join(r.score.cited_sections) or '-'}"
        for key, value in counts.items():
            suite.set(key, str(value))
            total[key] += value
        suite.set("time", f"{elapsed:.3f}")
    for key, value in total.items():
        root.set(key, str(value))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def to_json(report: EvalReport) -> str:
    """The report as indented JSON (see ``EvalReport.to_dict``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
