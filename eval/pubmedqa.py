"""The PubMedQA suite: yes/no research questions over all 500 shared abstracts, scored on ``verdict``.

Setting: reasoning-required — each abstract is indexed without its conclusion (its ``contexts``,
one paragraph each, under its heading), and the question (the article's title) is asked over the
whole corpus. A question is right when ``verdict`` equals the experts' decision (``maybe`` counts as
``unclear``); the right abstract is cited when the first citation is in it.

Parts: ``--split train`` scores the dev part carved out of the shared 500 (for tuning);
``--split validation`` the validation part (reported once). The train part is never scored here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from citeqa.eval.evidence_inference import BenchmarkDataError, read_jsonl
from citeqa.eval.results import Item, SuiteName, SuiteResult, percentile, ratio
from citeqa.eval.splits import Part

FILE = "questions-train.jsonl"
VERDICT_OF = {"yes": "yes", "no": "no", "maybe": "unclear"}
"""The experts' decision as a citeqa verdict."""
FIELDS = ("id", "question", "contexts", "final_decision")


def part_for(split: str) -> Part:
    """``train`` → the dev part (tuning), ``validation`` → the validation part."""
    return Part.validation if split == "validation" else Part.dev


def write_abstracts(rows: Iterable[dict], folder: Path) -> list[Path]:
    """One text file per abstract (``<pmid>.txt``), its parts under their headings, no conclusion.
    Files are rewritten only when their text changes (the corpus cache keys on content)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in rows:
        labels = row.get("labels") or [""] * len(row["contexts"])
        text = "\n\n".join(f"{label.title()}\n{part}" if label else part for label, part in zip(labels, row["contexts"]))
        path = folder / f"{row['id']}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text + "\n":
            path.write_text(text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def run(asker: Any, rows: Sequence[dict], split: str, doc_id_for: Callable[[str], str], *,
        progress: bool = False) -> SuiteResult:
    """Ask each question of ``rows`` (one part's), score verdict and citation."""
    from citeqa.eval.harness import timed_ask

    chosen = list(rows)
    iterator: Iterable[dict] = chosen
    if progress:
        from tqdm import tqdm

        iterator = tqdm(chosen, desc="pubmedqa", unit="question")
    items, latencies, got = [], [], Counter()
    for row in iterator:
        answer, error, latency = timed_ask(asker, row["question"], k=8)
        latencies.append(latency)
        expected = VERDICT_OF[row["final_decision"]]
        verdict = (answer or {}).get("verdict")
        citations = (answer or {}).get("citations") or []
        cited = bool(citations) and citations[0].get("doc_id") == doc_id_for(str(row["id"]))
        got[verdict or "none"] += 1
        items.append(Item(str(row["id"]), split, row["question"], ok=verdict == expected,
                          message="" if verdict == expected else f"expected {expected}, got {verdict}",
                          latency_ms=latency, error=error,
                          detail={"expected": expected, "verdict": verdict, "cited_right_abstract": cited,
                                  "verdict_confidence": (answer or {}).get("verdict_confidence")}))
    n = len(items)
    decided = [i for i in items if i.detail["verdict"] in ("yes", "no")]
    parts = {split: {
        "n": n,
        "accuracy": ratio(sum(i.ok for i in items), n),
        "decided_share": ratio(len(decided), n),
        "decided_precision": ratio(sum(i.ok for i in decided), len(decided)),
        "right_abstract_cited": ratio(sum(i.detail["cited_right_abstract"] for i in items), n),
        "majority_baseline": ratio(max(Counter(i.detail["expected"] for i in items).values(), default=0), n),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "errors": sum(i.error is not None for i in items),
    }}
    notes = [f"verdicts given: {dict(got)}"]
    return SuiteResult(SuiteName.pubmedqa.value, "PubMedQA (reasoning-required, verdict)", parts, items, notes)


def load_rows(benchmarks: Path) -> list[dict]:
    """The shared PubMedQA questions; a line without a needed field raises naming the file and line."""
    path = Path(benchmarks) / "pubmedqa" / FILE
    rows = []
    for number, row in read_jsonl(path):
        missing = [name for name in FIELDS if row.get(name) in (None, "", [])]
        if missing or row["final_decision"] not in VERDICT_OF:
            raise BenchmarkDataError(f"{path}:{number}: field {(missing or ['final_decision'])[0]!r} missing or invalid")
        rows.append(row)
    return rows
