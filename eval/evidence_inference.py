"""Evidence Inference 2.0 suite: does citeqa find and cite the doctors' evidence in real trial reports?

Every prompt ("What was the effect of X compared with Y on Z?") is asked of an engine over all
835 articles as one corpus. A retrieved passage or a cited quote *finds the evidence* when it lies
in the prompt's article and shares at least one character with a doctor-marked evidence span (the
benchmark's own definition). Scores per split:

- ``evidence_at_5``: a passage among the first 5 retrieved finds the evidence;
- ``article_at_5``: a passage among the first 5 is from the prompt's article;
- ``answer_rate``: not abstained;
- ``cited_evidence_share_answered``: of the answered prompts, those with a citation finding the evidence;
- ``cited_evidence_share_all``: the same over all prompts;
- ``miscited_share_all``: answered without citing the evidence (the confidently-wrong share).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citeqa.eval.results import Item, SuiteName, SuiteResult, percentile, ratio, share

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation")
DIRECTION_OF = {
    "significantly increased": "increased",
    "significantly decreased": "decreased",
    "no significant difference": "no_difference",
}
"""The doctors' finding as a citeqa ``direction``."""
TOP = 5
METRICS = (
    "n", "evidence_at_5", "article_at_5", "answer_rate", "cited_evidence_share_answered", "cited_evidence_share_all",
    "miscited_share_all", "direction_accuracy", "direction_given", "direction_precision", "latency_p50_ms", "latency_p95_ms", "errors",
)


class BenchmarkDataError(ValueError):
    """A benchmark file is missing or malformed; the message names the file, line and field."""


@dataclass(frozen=True)
class Prompt:
    """One doctor's prompt with its evidence spans (``[start, end)`` into the article text)."""

    id: str
    doc: str
    question: str
    label: str
    evidence: tuple[tuple[int, int], ...]


def read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; a bad line raises naming the file and line."""
    if not path.is_file():
        raise BenchmarkDataError(f"benchmark file missing: {path}")
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise BenchmarkDataError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise BenchmarkDataError(f"{path}:{number}: each line must be a JSON object")
            yield number, data


def _span(evidence: dict[str, Any]) -> tuple[int, int]:
    """``[start, end)`` of an evidence span. The published ``end`` is one past the text's end (it
    counts ``len(text) + 1`` characters), so the end is ``start + len(text)`` when the text is given."""
    start, end = int(evidence["start"]), int(evidence["end"])
    text = evidence.get("text")
    return (start, start + len(text)) if isinstance(text, str) and text else (start, end)


def load_prompts(folder: Path, split: str) -> list[Prompt]:
    """Read ``prompts-<split>.jsonl`` of an Evidence Inference folder.

    Raises:
        BenchmarkDataError: Unknown split, missing file, or a line without the fields needed.
    """
    if split not in SPLITS:
        raise BenchmarkDataError(f"unknown Evidence Inference split {split!r}; use one of {', '.join(SPLITS)}")
    path = Path(folder) / f"prompts-{split}.jsonl"
    prompts = []
    for number, data in read_jsonl(path):
        for name in ("id", "doc", "question", "evidence"):
            if data.get(name) in (None, ""):
                raise BenchmarkDataError(f"{path}:{number}: field {name!r} missing or empty")
        try:
            evidence = tuple(_span(e) for e in data["evidence"])
            prompts.append(Prompt(str(data["id"]), str(data["doc"]), str(data["question"]), str(data.get("label", "")),
                                  evidence))
        except (KeyError, TypeError, ValueError) as exc:
            raise BenchmarkDataError(f"{path}:{number}: field {exc} missing or malformed") from None
        if not evidence:
            raise BenchmarkDataError(f"{path}:{number}: field evidence is empty")
    return prompts


def article_files(folder: Path, prompts: Sequence[Prompt] | None = None) -> list[Path]:
    """The article files: all of ``corpus/``, or only those the ``prompts`` ask about."""
    return benchmark_files(Path(folder) / "corpus", ".txt", None if prompts is None else [p.doc for p in prompts])


def benchmark_files(folder: Path, suffix: str, names: Iterable[str] | None = None) -> list[Path]:
    """Every ``*<suffix>`` file of ``folder``, or the files named ``<name><suffix>`` for ``names``.

    Raises:
        BenchmarkDataError: The folder holds no such file, or a named one is missing.
    """
    if names is None:
        files = sorted(folder.glob(f"*{suffix}"))
        if not files:
            raise BenchmarkDataError(f"no {suffix} files in {folder}")
        return files
    files = sorted({folder / f"{name}{suffix}" for name in names})
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise BenchmarkDataError(f"file(s) missing from {folder}: {', '.join(f.name for f in missing[:5])}")
    return files


def _touches(item: dict[str, Any], doc_id: str, spans: Sequence[tuple[int, int]]) -> bool:
    from citeqa.eval.scoring import touches_spans

    return touches_spans(item, doc_id, spans)


def score_prompt(prompt: Prompt, doc_id: str, answer: dict[str, Any] | None) -> dict[str, bool]:
    """The flags of one answer: evidence/article in the top 5, answered, cites the evidence."""
    if answer is None:
        return {"evidence_at_5": False, "article_at_5": False, "answered": False, "cited": False, "direction": False,
                "direction_given": False}
    top = (answer.get("passages") or [])[:TOP]
    answered = not answer.get("abstained")
    cited = answered and any(_touches(c, doc_id, prompt.evidence) for c in answer.get("citations") or [])
    return {
        "evidence_at_5": any(_touches(p, doc_id, prompt.evidence) for p in top),
        "article_at_5": any(p.get("doc_id") == doc_id for p in top),
        "answered": answered,
        "cited": cited,
        "direction": answer.get("direction") == DIRECTION_OF.get(prompt.label),
        "direction_given": answer.get("direction") not in (None, "unclear"),
    }


def summarise(flags: Sequence[dict[str, bool]], latencies: Sequence[float], errors: int) -> dict[str, Any]:
    """Aggregate per-prompt flags into the suite's metrics (see the module docstring)."""
    n = len(flags)
    answered = sum(f["answered"] for f in flags)
    cited = sum(f["cited"] for f in flags)
    return {
        "n": n,
        "evidence_at_5": share(f["evidence_at_5"] for f in flags),
        "article_at_5": share(f["article_at_5"] for f in flags),
        "answer_rate": ratio(answered, n),
        "cited_evidence_share_answered": ratio(cited, answered),
        "cited_evidence_share_all": ratio(cited, n),
        "miscited_share_all": ratio(answered - cited, n),
        "direction_accuracy": share(f["direction"] for f in flags),
        "direction_given": share(f["direction_given"] for f in flags),
        "direction_precision": ratio(sum(f["direction"] for f in flags), sum(f["direction_given"] for f in flags)),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "errors": errors,
    }


def run(
    asker: Any,
    prompts: Sequence[Prompt],
    split: str,
    doc_id_for: Callable[[str], str],
    *,
    k: int = 8,
    progress: bool = False,
) -> SuiteResult:
    """Ask every prompt and score the answers.

    Args:
        asker: The engine over the articles (``ask(question, k=...)``).
        prompts: The prompts of one split.
        split: Its name (the result's part).
        doc_id_for: Maps a prompt's ``doc`` (``PMC1550405``) to the corpus doc id.
        k: Passages retrieved per question (evidence@5 reads the first 5).
        progress: A progress bar on stderr.

    Returns:
        The suite result, part ``split``.
    """
    from citeqa.eval.harness import timed_ask

    iterator: Iterable[Prompt] = prompts
    if progress:
        from tqdm import tqdm

        iterator = tqdm(prompts, desc=f"evidence-inference {split}", unit="prompt")
    flags, latencies, items = [], [], []
    for prompt in iterator:
        doc_id = doc_id_for(prompt.doc)
        answer, error, latency = timed_ask(asker, prompt.question, k=k)
        f = score_prompt(prompt, doc_id, answer)
        flags.append(f)
        latencies.append(latency)
        message = "" if f["cited"] else ("abstained" if answer and not f["answered"] else "does not cite the evidence")
        if not f["evidence_at_5"]:
            message += ("; " if message else "") + "evidence not in the top 5"
        items.append(Item(prompt.id, split, prompt.question, ok=f["cited"] and f["evidence_at_5"], message=message,
                          latency_ms=latency, error=error, detail={"doc": prompt.doc, **f}))
    return SuiteResult(SuiteName.evidence_inference.value, f"evidence-inference ({split})",
                       {split: summarise(flags, latencies, sum(i.error is not None for i in items))}, items, metrics=METRICS)
