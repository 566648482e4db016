"""Eval cases: the JSONL question-file format and its loader."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

HOLDOUT_TAG = "holdout"
DEFAULT_QUESTIONS = Path(__file__).resolve().parent / "questions.jsonl"

# expected shape name -> (keys that identify it, keys it may also carry)
_SHAPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "number": (frozenset({"number"}), frozenset({"unit", "tolerance"})),
    "range": (frozenset({"low", "high"}), frozenset({"unit", "tolerance"})),
    "any_of": (frozenset({"any_of"}), frozenset({"unit", "tolerance"})),
    "text": (frozenset({"text"}), frozenset()),
    "abstain": (frozenset({"abstain"}), frozenset()),
    "sentences": (frozenset({"sentences"}), frozenset()),
}
_CASE_KEYS = frozenset({"id", "question", "expected", "tags", "source", "note"})
_SOURCE_KEYS = frozenset({"doc_id", "section", "reference", "page"})
OPEN_TAG = "open"


class CaseFileError(ValueError):
    """A question file is malformed; the message names the file, the line and the field."""

    def __init__(self, path: str | Path, line: int, field_name: str | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field_name
        where = f"{self.path}:{line}"
        super().__init__(f"{where}: {field_name}: {problem}" if field_name else f"{where}: {problem}")


@dataclass(frozen=True)
class Source:
    """Where the expected answer lives: a document and a section (a heading or a table label) or page.

    ``sections`` holds every acceptable section (a figure stated both in the text and in a
    table has two); ``section`` is the first. ``pages`` holds every acceptable 1-based page
    (PDF sources).
    """

    doc_id: str
    sections: tuple[str, ...] = ()
    reference: int | None = None
    pages: tuple[int, ...] = ()

    @property
    def section(self) -> str | None:
        return self.sections[0] if self.sections else None


@dataclass
class Case:
    """One eval question with its expected answer."""

    id: str
    question: str
    expected: dict[str, Any]
    kind: str
    tags: list[str] = field(default_factory=list)
    source: Source | None = None
    note: str | None = None
    path: str = ""
    line: int = 0

    @property
    def holdout(self) -> bool:
        return HOLDOUT_TAG in self.tags

    @property
    def part(self) -> str:
        return "holdout" if self.holdout else "main"

    @property
    def is_open(self) -> bool:
        """An open (non-numeric) question: graded by the sentence(s) it must cite, or tagged ``open``."""
        return self.kind == "sentences" or OPEN_TAG in self.tags

    @property
    def spans(self) -> list[tuple[int, int]]:
        """``[start, end)`` of each expected sentence (``sentences`` cases; empty otherwise)."""
        return [(s["start"], s["end"]) for s in self.expected.get("sentences", [])]

    @property
    def unit(self) -> str | None:
        return self.expected.get("unit")

    @property
    def tolerance(self) -> float:
        return float(self.expected.get("tolerance", 1e-6))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _expected_kind(expected: Any, path: str, line: int) -> str:
    if not isinstance(expected, dict):
        raise CaseFileError(path, line, "expected", f"must be an object, got {type(expected).__name__}")
    keys = set(expected)
    matches = [name for name, (ident, _) in _SHAPES.items() if ident <= keys]
    if len(matches) != 1:
        shapes = "; ".join("{" + ", ".join(sorted(i | o)) + "}" for i, o in _SHAPES.values())
        raise CaseFileError(
            path, line, "expected", f"unknown shape with keys {sorted(keys)}; use one of: {shapes}"
        )
    kind = matches[0]
    ident, optional = _SHAPES[kind]
    unknown = keys - ident - optional
    if unknown:
        raise CaseFileError(path, line, "expected", f"unknown key(s) {sorted(unknown)} for a {kind} case")
    if kind == "number" and not _is_number(expected["number"]):
        raise CaseFileError(path, line, "expected.number", "must be a number")
    if kind == "range":
        lo, hi = expected["low"], expected["high"]
        if not (_is_number(lo) and _is_number(hi)):
            raise CaseFileError(path, line, "expected.low/high", "must be numbers")
        if lo > hi:
            raise CaseFileError(path, line, "expected.low/high", f"low {lo} is above high {hi}")
    if kind == "any_of":
        options = expected["any_of"]
        if not isinstance(options, list) or not options:
            raise CaseFileError(path, line, "expected.any_of", "must be a non-empty list")
        if not all(_is_number(o) or (isinstance(o, str) and o.strip()) for o in options):
            raise CaseFileError(path, line, "expected.any_of", "items must be numbers or non-empty strings")
    if kind == "text" and not (isinstance(expected["text"], str) and expected["text"].strip()):
        raise CaseFileError(path, line, "expected.text", "must be a non-empty string")
    if kind == "sentences":
        _check_sentences(expected["sentences"], path, line)
    if kind == "abstain" and expected["abstain"] is not True:
        raise CaseFileError(path, line, "expected.abstain", "must be true")
    if "unit" in expected and not isinstance(expected["unit"], str):
        raise CaseFileError(path, line, "expected.unit", "must be a string")
    if "tolerance" in expected and not (_is_number(expected["tolerance"]) and expected["tolerance"] >= 0):
        raise CaseFileError(path, line, "expected.tolerance", "must be a non-negative number")
    return kind


def _check_sentences(sentences: Any, path: str, line: int) -> None:
    if not isinstance(sentences, list) or not sentences:
        raise CaseFileError(path, line, "expected.sentences", "must be a non-empty list of {start, end, text}")
    for i, item in enumerate(sentences):
        where = f"expected.sentences[{i}]"
        if not isinstance(item, dict) or set(item) != {"start", "end", "text"}:
            raise CaseFileError(path, line, where, "must be an object with exactly start, end and text")
        start, end, text = item["start"], item["end"], item["text"]
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            raise CaseFileError(path, line, where, "start and end must be integers")
        if not 0 <= start < end:
            raise CaseFileError(path, line, where, f"needs 0 <= start < end, got [{start}, {end})")
        if not isinstance(text, str) or len(text) != end - start:
            raise CaseFileError(path, line, where, f"text must be the {end - start} characters of [{start}, {end})")


def _source(data: Any, path: str, line: int) -> Source | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise CaseFileError(path, line, "source", "must be an object")
    unknown = set(data) - _SOURCE_KEYS
    if unknown:
        raise CaseFileError(path, line, "source", f"unknown key(s) {sorted(unknown)}")
    doc_id = data.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise CaseFileError(path, line, "source.doc_id", "missing or not a string")
    section = data.get("section")
    sections = [section] if isinstance(section, str) else section if section is not None else []
    if not isinstance(sections, list) or not all(isinstance(x, str) and x.strip() for x in sections):
        raise CaseFileError(path, line, "source.section", "must be a string, a list of strings or null")
    reference = data.get("reference")
    if reference is not None and not (isinstance(reference, int) and not isinstance(reference, bool)):
        raise CaseFileError(path, line, "source.reference", "must be an integer")
    page = data.get("page")
    pages = [page] if isinstance(page, int) else page if page is not None else []
    if not isinstance(pages, list) or not all(isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in pages):
        raise CaseFileError(path, line, "source.page", "must be a page number (1-based), a list of them or null")
    return Source(doc_id, tuple(sections), reference, tuple(pages))


def parse_case(data: Any, path: str = "<memory>", line: int = 0) -> Case:
    """Validate one decoded JSON object and build a Case.

    Args:
        data: The decoded JSON value of one line.
        path: File name used in error messages.
        line: 1-based line number used in error messages.

    Returns:
        The case.

    Raises:
        CaseFileError: When a field is missing, mistyped or unknown.
    """
    if not isinstance(data, dict):
        raise CaseFileError(path, line, None, f"each line must be a JSON object, got {type(data).__name__}")
    unknown = set(data) - _CASE_KEYS
    if unknown:
        raise CaseFileError(path, line, None, f"unknown field(s) {sorted(unknown)}")
    for name in ("id", "question"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise CaseFileError(path, line, name, "missing or empty")
    if "expected" not in data:
        raise CaseFileError(path, line, "expected", "missing")
    kind = _expected_kind(data["expected"], path, line)
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise CaseFileError(path, line, "tags", "must be a list of strings")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise CaseFileError(path, line, "note", "must be a string")
    return Case(
        id=data["id"],
        question=data["question"],
        expected=dict(data["expected"]),
        kind=kind,
        tags=list(tags),
        source=_source(data.get("source"), path, line),
        note=note,
        path=path,
        line=line,
    )


def load_cases(paths: Iterable[str | Path] | str | Path | None = None) -> list[Case]:
    """Load eval cases from one or more JSONL files (blank lines are skipped).

    Args:
        paths: File paths; None or empty means the bundled ``eval/questions.jsonl``.

    Returns:
        The cases, in file order.

    Raises:
        CaseFileError: On bad JSON, a bad field or an id already used (in any of the files).
        FileNotFoundError: When a file does not exist.
    """
    if paths is None or isinstance(paths, (str, Path)):
        paths = [paths] if paths is not None else []
    paths = list(paths) or [DEFAULT_QUESTIONS]
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for p in paths:
        path = str(p)
        with open(path, encoding="utf-8") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise CaseFileError(path, number, None, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
                case = parse_case(data, path, number)
                if case.id in seen:
                    raise CaseFileError(path, number, "id", f"duplicate id {case.id!r} (first at {seen[case.id]})")
                seen[case.id] = f"{path}:{number}"
                cases.append(case)
    logger.info("loaded %d eval cases from %d file(s)", len(cases), len(paths))
    return cases


def split_parts(cases: Iterable[Case]) -> dict[str, list[Case]]:
    """Group cases into ``{"main": [...], "holdout": [...]}`` by the ``holdout`` tag."""
    parts: dict[str, list[Case]] = {"main": [], "holdout": []}
    for case in cases:
        parts[case.part].append(case)
    return parts
