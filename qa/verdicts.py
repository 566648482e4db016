"""Verdicts: a yes/no question gets yes, no or unclear; a question comparing two arms on an outcome
gets the direction of the finding — each with the evidence that decides it cited.

The candidates are the supporting sentences that may answer the question (:func:`answerable`),
best first. The verdict model (:mod:`citeqa.qa.verdict_model`) reads each with the question:

- yes/no: each of the first candidates of the best candidate's document with the sentences beside
  it in its passage (the model learned verdicts from abstracts' results);
- direction: each candidate sentence (the model was trained on the doctors' evidence spans).

The best-supported candidate whose verdict reaches :data:`MIN_VERDICT` decides (support order, not the
surest verdict: a sure finding on another outcome is no answer to this one).

A verdict weaker than its named threshold is ``unclear``: citeqa does not guess a direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from citeqa.qa.answer import Answer
from citeqa.qa.compose import sentence_answer
from citeqa.qa.open import answerable
from citeqa.qa.passages import PassageStore, Unit
from citeqa.qa.question import Question
from citeqa.qa.support import Support
from citeqa.qa.verdict_model import LABELS, Direction, Task, Verdict, VerdictModel

YES_NO_CANDIDATES = 3
"""Sentences read for a yes/no question, each with :data:`WINDOW` sentences either side (~20 ms each)."""
WINDOW = 1
"""Sentences of context on each side of a yes/no candidate (the model learned verdicts from abstracts)."""
DIRECTION_CANDIDATES = 5
"""Sentences read for a comparison (~10 ms each)."""
EVIDENCE_KINDS = ("text", "table_row")
"""Units that state findings: a caption describes a figure and a footnote qualifies a table, neither decides."""
MIN_VERDICT = 0.5
"""Below this probability of its most likely decided label, a verdict is ``unclear``."""


# A question without a question word, typed as a title ("Vaccine storage: a weak link in the cold chain?"):
# it asks whether the statement holds.
_TITLE_QUESTION = re.compile(r"^(?!.*\b(?:what|which|who|whom|whose|why|how|where|when)\b).*\?\s*$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Judgement:
    """What the model decided, on which candidate, how surely."""

    task: Task
    label: str
    probability: float
    unit: Unit | None
    """The deciding sentence; None when the verdict is unclear."""


def task_of(q: Question) -> Task | None:
    """The verdict a question asks for: a direction for an arm comparison on an outcome, yes/no for a
    yes/no question; None otherwise."""
    if q.contrast and q.outcome:
        return Task.direction
    if (q.yes_no or _TITLE_QUESTION.match(q.text)) and not q.asks_quantity and not q.alternatives:
        return Task.yes_no
    return None


def _decided(task: Task, probs: np.ndarray) -> tuple[int, float]:
    """The most likely decided label (not ``unclear``) and its probability, of one row."""
    labels = LABELS[task]
    decided = [i for i, name in enumerate(labels) if name != "unclear"]
    best = max(decided, key=lambda i: probs[i])
    return best, float(probs[best])


def judge(q: Question, task: Task, support: list[Support], store: PassageStore, model: VerdictModel) -> Judgement:
    """Read the candidates of ``q`` with the model; return the deciding one."""
    candidates = [c for c in answerable(q, support, store) if c.unit.kind in EVIDENCE_KINDS]
    unclear = Verdict.unclear.value if task is Task.yes_no else Direction.unclear.value
    if not candidates:
        return Judgement(task, unclear, 0.0, None)
    if task is Task.yes_no:
        source = candidates[0].unit.doc_id  # the verdict is the best-matching source's
        chosen = [c for c in candidates if c.unit.doc_id == source][:YES_NO_CANDIDATES]
        units = [c.unit for c in chosen]
        texts = [_window(store, c.index) for c in chosen]
    else:
        units = [s.unit for s in candidates[:DIRECTION_CANDIDATES]]
        texts = [store.index.documents[u.doc_id].text[u.start:u.end] for u in units]
    probs = model.probabilities(task, q.text, texts)
    scored = [_decided(task, row) for row in probs]
    # The best-supported candidate that decides it: a surer finding on another outcome is no answer.
    pick = next((i for i, (_, p) in enumerate(scored) if p >= MIN_VERDICT), None)
    if pick is None:
        return Judgement(task, unclear, max(p for _, p in scored), None)
    label, probability = scored[pick]
    return Judgement(task, LABELS[task][label], probability, units[pick])


def _window(store: PassageStore, index: int) -> str:
    """Sentence ``index`` of the store with the sentences beside it in its passage: the context it is read in."""
    unit = store.units[index]
    row = store.units_of(unit.row)
    first = store.units[max(row.start, index - WINDOW)]
    last = store.units[min(row.stop - 1, index + WINDOW)]
    return store.index.documents[unit.doc_id].text[first.start:last.end]


def with_verdict(answer: Answer, q: Question, judgement: Judgement, store: PassageStore) -> Answer:
    """``answer`` with the verdict; a decided verdict cites its deciding sentence first. (An abstained
    answer is given an unclear judgement without reading: the engine's ``_verdict``.)"""
    field = "verdict" if judgement.task is Task.yes_no else "direction"
    out = replace(answer, **{field: judgement.label}, verdict_confidence=round(judgement.probability, 3))
    if judgement.unit is None:  # unclear: nothing decides it
        return out
    unit = judgement.unit
    if answer.citations and (answer.citations[0].doc_id, answer.citations[0].start) == (unit.doc_id, unit.start):
        return out
    cited = sentence_answer(q, [unit], store.index.documents, store.index.chunks, answer.confidence)
    return replace(out, answer=cited.answer, citations=cited.citations + [
        c for c in answer.citations if (c.doc_id, c.start) != (unit.doc_id, unit.start)])
