"""Test doubles for the eval suites: engines that answer from a script, with or without ``options``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def passage(doc_id: str, start: int, end: int, text: str = "", page: int | None = None) -> dict[str, Any]:
    return {"passage_id": f"{doc_id}:{start}", "doc_id": doc_id, "text": text, "score": 1.0, "kind": "text",
            "section": None, "page": page, "start": start, "end": end, "references": []}


def citation(doc_id: str, start: int, end: int, quote: str = "", page: int | None = None) -> dict[str, Any]:
    return {"passage_id": f"{doc_id}:{start}", "doc_id": doc_id, "section": None, "page": page,
            "quote": quote or "x" * (end - start), "start": start, "end": end, "references": [], "cell": None}


def answer(question: str = "q", *, text: str = "an answer", citations: Sequence[dict] = (),
           passages: Sequence[dict] = (), abstained: bool = False, choice: str | None = None) -> dict[str, Any]:
    return {"question": question, "answer": "Not in the corpus." if abstained else text, "value": None,
            "values": [], "abstained": abstained, "reason": "insufficient information" if abstained else None,
            "conflict": False, "confidence": 0.0 if abstained else 1.0, "citations": list(citations),
            "passages": list(passages), "choice": choice}


class ScriptedEngine:
    """Answers each question from a dict (unknown questions abstain); records the options it was given."""

    def __init__(self, script: dict[str, dict[str, Any]]) -> None:
        self.script = script
        self.options: dict[str, list[str] | None] = {}

    def ask(self, question: str, k: int = 8, options: Sequence[str] | None = None) -> dict[str, Any]:
        self.options[question] = list(options) if options is not None else None
        return self.script.get(question) or answer(question, abstained=True)


class LegacyEngine:
    """Today's contract: ``ask(question, k)`` without ``options`` (passing them raises TypeError)."""

    def __init__(self, script: dict[str, dict[str, Any]]) -> None:
        self.script = script

    def ask(self, question: str, k: int = 8) -> dict[str, Any]:
        return self.script.get(question) or answer(question, abstained=True)
