"""Pydantic request and response schemas of the HTTP API.

They mirror the core dataclasses (``citeqa.qa.answer.Answer``, ``citeqa.ingest.models``)
so that the OpenAPI document at ``/docs`` describes every response, without the core
types depending on pydantic.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from citeqa.api.jobs import JobKind, JobState
from citeqa.qa.verdict_model import Direction, Verdict

MAX_QUESTION_CHARS = 2000
MAX_K = 50
MAX_OPTIONS = 26
MAX_OPTION_CHARS = 500


class Mode(str, Enum):
    """Retrieval mode."""

    hybrid = "hybrid"
    dense = "dense"
    bm25 = "bm25"


class AskRequest(BaseModel):
    """A question to answer from the corpus."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        pattern=r"\S",
        description="The question, 1–2,000 characters, not only whitespace.",
        examples=["What was the CR rate with epcoritamab after CAR T-cell therapy?"],
    )
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages to retrieve (1–50); default from settings.")
    options: list[str] | None = Field(
        None,
        min_length=2,
        max_length=MAX_OPTIONS,
        description="Multiple-choice options (2–26, each 1–500 characters): the answer's `choice` is the option a "
        "cited quote states, or null with `abstained` and reason \"insufficient information\".",
        examples=[["34%", "54%", "9.7 months"]],
    )

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [option.strip() for option in value]
        for i, option in enumerate(cleaned):
            if not option:
                raise ValueError(f"option {i + 1} is empty")
            if len(option) > MAX_OPTION_CHARS:
                raise ValueError(f"option {i + 1} has {len(option)} characters; the limit is {MAX_OPTION_CHARS}")
        return cleaned

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must not be empty or whitespace")
        return value.strip()

    @field_validator("k", mode="before")
    @classmethod
    def _not_boolean(cls, value: object) -> object:
        # JSON true/false are not numbers; pydantic's lax mode would read them as 1/0.
        if isinstance(value, bool):
            raise ValueError("k must be an integer, not true/false")
        return value


# --- the Answer contract -------------------------------------------------------------


class ValueOut(BaseModel):
    number: float | None
    unit: str | None = None
    low: float | None = None
    high: float | None = None
    ci_low: float | None = Field(None, description="Lower bound of the confidence interval the source gives with it.")
    ci_high: float | None = Field(None, description="Upper bound of that confidence interval.")


class CitedReferenceOut(BaseModel):
    number: int
    text: str


class CellRefOut(BaseModel):
    table: str
    title: str
    block: str | None
    row: str
    column: str
    text: str
    start: int
    end: int


class AnswerCitationOut(BaseModel):
    passage_id: str
    doc_id: str
    section: str | None
    page: int | None
    quote: str = Field(description="Verbatim: equals the document text between start and end.")
    start: int
    end: int
    references: list[CitedReferenceOut] = Field(default_factory=list)
    cell: CellRefOut | None = None


class RetrievedPassageOut(BaseModel):
    passage_id: str
    doc_id: str
    text: str
    score: float
    kind: str
    section: str | None
    page: int | None
    start: int
    end: int
    references: list[int] = Field(default_factory=list)


class RankedFigureOut(BaseModel):
    entity: str
    value: ValueOut | None = None
    citation: int = Field(description="Index into `citations` of the quote that states it.")


class AnswerOut(BaseModel):
    """The answer to one question (the output contract)."""

    question: str
    answer: str
    value: ValueOut | None = None
    abstained: bool = False
    reason: str | None = Field(None, description="Why the engine abstained: e.g. not_in_corpus, not_reported.")
    conflict: bool = False
    confidence: float = 0.0
    citations: list[AnswerCitationOut] = Field(default_factory=list)
    passages: list[RetrievedPassageOut] = Field(default_factory=list)
    values: list[ValueOut] = Field(default_factory=list)
    choice: str | None = Field(
        None, description="With `options`: the option, verbatim, that a cited quote states (null: abstained).")
    verdict: Verdict | None = Field(
        None, description="A yes/no question's verdict, decided by the first citation (null for other questions).")
    direction: Direction | None = Field(
        None, description="A question comparing two arms on an outcome (\"effect of X compared with Y on Z\"): how X "
        "changed Z against Y, decided by the first citation (null for other questions).")
    verdict_confidence: float | None = Field(
        None, description="The verdict model's probability of `verdict` or `direction`.")
    ranking: list[RankedFigureOut] = Field(
        default_factory=list, description="For \"which had the highest/lowest/best …\" questions: each compared "
        "entity's figure, the winner first, with the index of the citation that states it.")


# --- search and passages -------------------------------------------------------------


class SearchHit(BaseModel):
    """One ranked passage."""

    rank: int
    passage_id: str
    doc_id: str
    doc_title: str | None = None
    kind: str
    text: str
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    section: str | None = None
    page: int | None = None
    table: str | None = None
    start: int
    end: int
    references: list[CitedReferenceOut] = Field(default_factory=list)


class SearchResponse(BaseModel):
    query: str
    mode: Mode
    k: int
    results: list[SearchHit]


class NeighbourOut(BaseModel):
    passage_id: str
    text: str
    start: int
    end: int


class TableCellOut(BaseModel):
    text: str = Field(description="Verbatim cell text (document text [start, end)).")
    value: str = Field(description="The text without citation or footnote markers.")
    start: int
    end: int


class TableRowOut(BaseModel):
    block: str | None = Field(None, description="The block row this row sits under (e.g. a cohort), if any.")
    label: TableCellOut
    cells: list[TableCellOut]
    start: int
    end: int


class TableFootnoteOut(BaseModel):
    marker: str | None = None
    text: str
    start: int
    end: int


class TableOut(BaseModel):
    """A table's structure, for rendering a cited cell inside its table."""

    label: str
    title: str
    page: int | None = None
    caption_start: int
    caption_end: int
    header_rows: list[list[TableCellOut]] = Field(default_factory=list, description="Column header row(s); the first cell heads the row labels.")
    rows: list[TableRowOut] = Field(default_factory=list)
    footnotes: list[TableFootnoteOut] = Field(default_factory=list)


class PassageOut(BaseModel):
    """A passage with its surroundings in the document."""

    passage_id: str
    doc_id: str
    doc_title: str | None = None
    kind: str
    text: str
    section: str | None = None
    page: int | None = None
    table: str | None = None
    row: int | None = None
    start: int = Field(description="Offset of the passage in the document text.")
    end: int
    source_text: str = Field(description="The verbatim document text [start, end).")
    context_start: int = Field(description="Offset of `context` in the document text.")
    context_end: int
    context: str = Field(description="Document text around the passage (± `window` characters).")
    previous: NeighbourOut | None = None
    next: NeighbourOut | None = None
    references: list[CitedReferenceOut] = Field(default_factory=list)
    table_detail: TableOut | None = Field(None, description="For a table passage: the whole table (caption, header rows, block rows, footnotes).")


# --- documents and references --------------------------------------------------------


class DocumentOut(BaseModel):
    doc_id: str
    title: str | None = None
    kind: str | None = Field(None, description="txt, md or pdf.")
    path: str | None = None
    pages: int | None = None
    chunk_count: int | None = None
    sha256: str | None = None
    added_at: str | None = None


class DocumentDetailOut(DocumentOut):
    authors: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list)
    reference_count: int = 0
    characters: int = 0


class UnindexedOut(BaseModel):
    """A file in the corpus folder that is not in the index."""

    filename: str
    reason: str


class DocumentList(BaseModel):
    count: int
    documents: list[DocumentOut]
    unindexed: list[UnindexedOut] = Field(
        default_factory=list,
        description="Corpus files not in the index, with the reason; DELETE /v1/documents/{filename} removes one.",
    )


class ReferenceOut(BaseModel):
    number: int
    text: str
    authors: list[str] = Field(default_factory=list)
    title: str | None = None
    journal: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    start: int = 0
    end: int = 0


class CitingPassageOut(BaseModel):
    passage_id: str
    kind: str
    text: str
    section: str | None = None
    page: int | None = None
    start: int
    end: int


class ReferenceDetailOut(BaseModel):
    doc_id: str
    reference: ReferenceOut
    cited_by: list[CitingPassageOut]


class FileErrorOut(BaseModel):
    path: str
    message: str


class IndexChangeOut(BaseModel):
    """The outcome of an upload or deletion."""

    action: str = Field(description="added, deleted or removed (an unindexed file).")
    doc_id: str | None = None
    filename: str | None = None
    documents: int
    chunks: int
    embedded: int | None = None
    reused: int | None = None
    errors: list[FileErrorOut] = Field(default_factory=list)


class JobOut(BaseModel):
    """An upload or deletion job: poll ``GET /v1/jobs/{id}`` until ``state`` is done, failed or cancelled."""

    id: str
    kind: JobKind = Field(description="upload or delete.")
    state: JobState = Field(description="receiving, queued, parsing, embedding, indexing; then done, failed or cancelled.")
    message: str = Field(description='The state in words, e.g. "embedding 120 of 2,600 chunks".')
    filename: str | None = None
    doc_id: str | None = None
    embedded: int = Field(0, description="Chunks embedded so far.")
    to_embed: int = Field(0, description="Chunks to embed (0 while unknown).")
    placed: bool = False
    error: str | None = Field(None, description="Why the job failed.")
    error_status: int | None = Field(None, description="The HTTP status of the failure (409, 413, 415, 422, 503, 500).")
    result: IndexChangeOut | None = None
    note: str | None = Field(None, description='Set when the job was resumed after a restart ("resumed after a restart").')
    created_at: str
    updated_at: str


class JobList(BaseModel):
    count: int
    jobs: list[JobOut]


# --- health --------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    ready: bool
    documents: int = 0
    chunks: int = 0
    model: str | None = None
    index_dir: str | None = Field(None, description="The index folder's name (its full path with CITEQA_SHOW_PATHS).")
    writes: str = Field(
        "same-origin",
        description="Who may upload and delete: api-key (send the API key in X-API-Key), read-key (same-origin, "
        "sending the read key), same-origin, or refused (bound beyond loopback without an API key).",
    )
    jobs_pending: int = 0
    unindexed: int = Field(0, description="Corpus files not in the index (listed by GET /v1/documents).")
    error: str | None = None


class ErrorOut(BaseModel):
    """An error: a message, or for validation errors the list of problems."""

    detail: str | list[dict[str, Any]]


class JobErrorOut(ErrorOut):
    """A refused write, or (with ``wait``) a failed job, which is then included."""

    job: JobOut | None = None
