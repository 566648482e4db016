"""The Answer type: the output contract shared by the CLI, the HTTP API and eval."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Value:
    """A quantity; ``low``/``high`` are set for ranges such as 20%–40%, ``ci_low``/``ci_high`` for the
    confidence interval a source gives with it (HR 0.72, 95% CI 0.60–0.86)."""

    number: float | None
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass
class CitedReference:
    number: int
    text: str


@dataclass
class CellRef:
    """Which table cell a citation rests on."""

    table: str
    title: str
    block: str | None
    row: str
    column: str
    text: str
    start: int
    end: int


@dataclass
class AnswerCitation:
    """A verbatim quote: ``quote == document.text[start:end]``."""

    passage_id: str
    doc_id: str
    section: str | None
    page: int | None
    quote: str
    start: int
    end: int
    references: list[CitedReference] = field(default_factory=list)
    cell: CellRef | None = None


@dataclass
class RetrievedPassage:
    passage_id: str
    doc_id: str
    text: str
    score: float
    kind: str
    section: str | None
    page: int | None
    start: int
    end: int
    references: list[int] = field(default_factory=list)


@dataclass
class RankedFigure:
    """One entity's figure in a comparison ("which had the highest …"), best first."""

    entity: str
    value: Value | None
    citation: int
    """Index of the citation that states it."""


@dataclass
class Answer:
    """The answer to one question (see README: output contract)."""

    question: str
    answer: str
    value: Value | None = None
    abstained: bool = False
    reason: str | None = None
    conflict: bool = False
    confidence: float = 0.0
    citations: list[AnswerCitation] = field(default_factory=list)
    passages: list[RetrievedPassage] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    choice: str | None = None
    """With multiple-choice ``options``: the option, verbatim, that a cited quote states (None: abstained)."""
    verdict: str | None = None
    """A yes/no question's verdict (yes, no, unclear), decided by the first citation; None for other questions."""
    direction: str | None = None
    """An arm comparison's finding on its outcome (increased, decreased, no_difference, unclear), decided by the
    first citation; None for other questions."""
    ranking: list[RankedFigure] = field(default_factory=list)
    """For "which had the highest/lowest/best …": every compared entity's figure, the winner first."""
    verdict_confidence: float | None = None
    """The verdict model's probability of ``verdict`` or ``direction`` (None when neither is asked for)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
