"""LitQA2 suite: multiple-choice questions over 38 real research PDFs, scored as PaperQA2 reports them.

Each question is asked with its options (the ideal answer and the distractors, shuffled with a
fixed seed per question); the engine answers with ``choice`` (an option, verbatim) or abstains
(``choice`` null: "insufficient information"). Scores:

- ``accuracy`` = correct / all questions; ``precision`` = correct / answered (PaperQA2's definitions);
- ``answer_rate`` = answered / all;
- ``key_passage_at_10``: among the first 10 retrieved passages one is from the question's paper and
  holds most of the key passage's words (see :func:`key_coverage`); over questions with a key passage;
- ``key_passage_extracted``: the key passage survives PDF ingestion as contiguous text (normalised
  case, whitespace, hyphenation and ligatures) in the paper's document text;
- ``choice_quoted``: of the answered, those whose choice is stated in a cited quote (normalised text).

An engine whose ``ask`` takes no ``options`` is asked without them and counted as abstaining on
every question (its retrieval is still scored); the result carries a note saying so.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeqa.eval.evidence_inference import BenchmarkDataError, benchmark_files, read_jsonl
from citeqa.eval.numbers import normalise_text
from citeqa.eval.results import Item, SuiteName, SuiteResult, percentile, ratio, share, supports_options

SPLIT = "train"
TOP = 10
SEED = 2024
KEY_COVERAGE = 0.6
METRICS = (
    "n", "accuracy", "precision", "answer_rate", "key_passage_at_10", "key_passage_extracted", "choice_quoted",
    "latency_p50_ms", "latency_p95_ms", "errors",
)
# Function words left out of the key-passage word sets (they match any passage).
_STOPWORDS = frozenset(
    "a an the and or of in on at to for from by with without as is are was were be been being this that these those "
    "it its their there which who whom whose than then also not no into onto over under between among both each "
    "such can could may might will would should has have had do does did we our they them he she his her".split()
)


@dataclass(frozen=True)
class Question:
    """One LitQA2 question: the paper it is about, the ideal answer, the distractors, the key passage."""

    id: str
    doc: str
    question: str
    ideal: str
    distractors: tuple[str, ...]
    key_passage: str | None

    def options(self, seed: int = SEED) -> list[str]:
        """Ideal + distractors in a fixed pseudo-random order (the same for a given id and seed)."""
        options = [self.ideal, *self.distractors]
        random.Random(f"{seed}:{self.id}").shuffle(options)
        return options


def rejoin_thousands(distractors: Sequence[str], ideal: str) -> list[str]:
    """Undo a comma split of grouped numbers ("4", "900" → "4,900") when the ideal is written that way.

    The published file splits such distractors at the thousands separator; a digit group
    of exactly three digits after a 1–3 digit item is glued back on.
    """
    if not re.fullmatch(r"\d{1,3}(?:,\d{3})+", ideal.strip()):
        return list(distractors)
    out: list[str] = []
    for item in distractors:
        if out and re.fullmatch(r"\d{3}", item.strip()) and re.fullmatch(r"\d{1,3}(?:,\d{3})*", out[-1]):
            out[-1] = f"{out[-1]},{item.strip()}"
        else:
            out.append(item.strip())
    return out


def load_questions(folder: Path, split: str = SPLIT) -> list[Question]:
    """Read ``questions-<split>.jsonl`` of a LitQA2 folder.

    Raises:
        BenchmarkDataError: Missing file, or a line without id, doc, question, ideal or distractors.
    """
    path = Path(folder) / f"questions-{split}.jsonl"
    out = []
    for number, data in read_jsonl(path):
        for name in ("id", "doc", "question", "ideal", "distractors"):
            if data.get(name) in (None, "", []):
                raise BenchmarkDataError(f"{path}:{number}: field {name} missing or empty")
        if not isinstance(data["distractors"], list):
            raise BenchmarkDataError(f"{path}:{number}: field distractors must be a list")
        ideal = str(data["ideal"])
        distractors = tuple(rejoin_thousands([str(d) for d in data["distractors"]], ideal))
        out.append(Question(str(data["id"]), str(data["doc"]), str(data["question"]), ideal, distractors,
                            data.get("key_passage") or None))
    return out


def pdf_files(folder: Path, questions: Sequence[Question] | None = None) -> list[Path]:
    """The papers: every PDF of ``pdfs/``, or only those the ``questions`` are about."""
    return benchmark_files(Path(folder) / "pdfs", ".pdf", None if questions is None else [q.doc for q in questions])


def _flat(text: str) -> str:
    """Case-folded, ligature-free, de-hyphenated, single-spaced text."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)  # hyphenation at a line break
    return " ".join(text.casefold().split())


def words(text: str) -> set[str]:
    """The content words of a text: lower-case alphanumeric tokens, function words left out."""
    return {w for w in re.findall(r"[a-z0-9]+", _flat(text)) if w not in _STOPWORDS}


def key_coverage(key_passage: str, passage_text: str) -> float:
    """Share of the key passage's content words that occur in the passage (0..1)."""
    key = words(key_passage)
    return len(key & words(passage_text)) / len(key) if key else 0.0


def key_in_passages(question: Question, doc_id: str, passages: Sequence[dict[str, Any]], top: int = TOP) -> bool:
    """A passage among the first ``top`` is from the question's paper and holds ≥ 60% of the key passage's words."""
    if not question.key_passage:
        return False
    return any(
        p.get("doc_id") == doc_id and key_coverage(question.key_passage, p.get("text") or "") >= KEY_COVERAGE
        for p in passages[:top]
    )


def key_extracted(key_passage: str, document_text: str) -> bool:
    """The key passage occurs as contiguous text in the document (normalised, punctuation-tolerant)."""
    return normalise_text(_flat(key_passage)) in normalise_text(_flat(document_text))


def score_choice(question: Question, answer: dict[str, Any] | None) -> dict[str, bool]:
    """answered / correct / choice_quoted for one answer."""
    choice = (answer or {}).get("choice")
    answered = answer is not None and isinstance(choice, str) and bool(choice.strip()) and not answer.get("abstained")
    correct = answered and normalise_text(choice) == normalise_text(question.ideal)
    quoted = answered and any(normalise_text(choice) in normalise_text(c.get("quote") or "")
                              for c in answer.get("citations") or [])
    return {"answered": answered, "correct": correct, "choice_quoted": quoted}


def run(
    asker: Any,
    questions: Sequence[Question],
    doc_id_for: Callable[[str], str],
    texts: Mapping[str, str] | None = None,
    *,
    k: int = TOP,
    seed: int = SEED,
    progress: bool = False,
) -> SuiteResult:
    """Ask every question with its options and score the answers.

    Args:
        asker: The engine over the papers (``ask(question, k=..., options=...)``).
        questions: The questions.
        doc_id_for: Maps a question's ``doc`` to the corpus doc id.
        texts: Document text by doc id (for ``key_passage_extracted``); None skips that score.
        k: Passages retrieved per question.
        seed: Option-order seed.
        progress: A progress bar on stderr.
    """
    from citeqa.eval.harness import timed_ask

    with_options = supports_options(asker)
    iterator: Iterable[Question] = questions
    if progress:
        from tqdm import tqdm

        iterator = tqdm(questions, desc="litqa2", unit="question")
    rows, latencies, items = [], [], []
    for q in iterator:
        doc_id = doc_id_for(q.doc)
        kwargs = {"options": q.options(seed)} if with_options else {}
        answer, error, latency = timed_ask(asker, q.question, k=k, **kwargs)
        latencies.append(latency)
        row = score_choice(q, answer) if with_options else {"answered": False, "correct": False, "choice_quoted": False}
        row["key_at_10"] = key_in_passages(q, doc_id, (answer or {}).get("passages") or [], k) if q.key_passage else None
        row["extracted"] = key_extracted(q.key_passage, texts[doc_id]) if q.key_passage and texts and doc_id in texts else None
        rows.append(row)
        got = (answer or {}).get("choice") if with_options else "(options not supported)"
        message = "" if row["correct"] else f"expected {q.ideal!r}, got {got!r}"
        if row["key_at_10"] is False:
            message += "; key passage not in the top 10"
        items.append(Item(q.id, SPLIT, q.question, ok=row["correct"], message=message.lstrip("; "),
                          latency_ms=latencies[-1], error=error, detail={"doc": q.doc, **row}))
    n, answered, correct = len(rows), sum(r["answered"] for r in rows), sum(r["correct"] for r in rows)
    scores = {
        "n": n,
        "accuracy": ratio(correct, n),
        "precision": ratio(correct, answered),
        "answer_rate": ratio(answered, n),
        "key_passage_at_10": share(r["key_at_10"] for r in rows if r["key_at_10"] is not None),
        "key_passage_extracted": share(r["extracted"] for r in rows if r["extracted"] is not None),
        "choice_quoted": ratio(sum(r["choice_quoted"] for r in rows), answered),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "errors": sum(i.error is not None for i in items),
    }
    notes = [] if with_options else [
        "the engine's ask() takes no `options`: every question counts as unanswered (accuracy 0, precision n/a); "
        "retrieval is still scored"
    ]
    return SuiteResult(SuiteName.litqa2.value, f"litqa2 ({SPLIT})", {SPLIT: scores}, items, notes, METRICS)
