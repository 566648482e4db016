"""Training examples for the verdict model, from the shared benchmarks (parts: :mod:`citeqa.eval.splits`)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from citeqa.eval.evidence_inference import DIRECTION_OF, Prompt, load_prompts
from citeqa.eval.pubmedqa import VERDICT_OF, load_rows
from citeqa.eval.splits import Part, evidence_inference_part, pubmedqa_part
from citeqa.ingest.sentences import sentence_spans
from citeqa.qa.verdict_model import Direction, Task, Verdict
PASSAGE_CHARS = 900
"""An abstract is cut to its last 900 characters (where its results are), the size of an index chunk."""
NEGATIVE_SHARE = 0.5
"""Unrelated abstracts paired with a PubMedQA question (label unclear), per question."""

@dataclass(frozen=True)
class Example:
    """One training pair: a question, a piece of evidence, the label the task gives it."""

    task: Task
    question: str
    evidence: str
    label: str
    group: str
    """The question it belongs to (examples of one question are scored together)."""
    own: bool = True
    """The evidence is the question's own (False: an unrelated passage or sentence, labelled unclear)."""
    source: str = "evidence-inference"
    """The benchmark it comes from (``pubmedqa`` or ``evidence-inference``)."""


def article_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of an article, line by line (its tables are one row a line)."""
    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.extend(sentence_spans(text, at, at + len(line)))
        at += len(line) + 1
    return spans


def ei_examples(folder: Path, part: Part, rng: random.Random) -> list[Example]:
    """Each prompt's evidence spans with its direction, and one sentence of its article that is no
    prompt's evidence with ``unclear``."""
    split = "validation" if part is Part.validation else "train"
    prompts = [p for p in load_prompts(folder, split) if evidence_inference_part(p.doc, split) is part and p.label in DIRECTION_OF]
    by_doc: dict[str, list[Prompt]] = {}
    for p in prompts:
        by_doc.setdefault(p.doc, []).append(p)
    out = []
    for doc, group in sorted(by_doc.items()):
        text = (Path(folder) / "corpus" / f"{doc}.txt").read_text(encoding="utf-8")
        marked = [span for p in group for span in p.evidence]
        free = [(s, e) for s, e in article_sentences(text)
                if e - s >= 40 and not any(s < me and ms < e for ms, me in marked)]
        for p in group:
            for start, end in dict.fromkeys(p.evidence):
                out.append(Example(Task.direction, p.question, text[start:end].strip(), DIRECTION_OF[p.label], p.id))
            if free:
                s, e = rng.choice(free)
                out.append(Example(Task.direction, p.question, text[s:e], Direction.unclear.value, p.id, own=False))
    return out


_PROMPT = re.compile(r"^What was the effect of (?P<i>.+?) compared with (?P<c>.+?) on (?P<o>.+?)\?$", re.S)
YES_NO_FORMS = (
    ("Did {i} increase {o} compared with {c}?", {"increased": Verdict.yes, "decreased": Verdict.no,
                                                 "no_difference": Verdict.no}),
    ("Did {i} reduce {o} compared with {c}?", {"decreased": Verdict.yes, "increased": Verdict.no,
                                               "no_difference": Verdict.no}),
    ("Was there a significant difference in {o} between {i} and {c}?", {"no_difference": Verdict.no,
                                                                       "increased": Verdict.yes,
                                                                       "decreased": Verdict.yes}),
)
"""Yes/no forms of a comparison prompt, with the verdict each finding gives them (one form per prompt,
chosen at random: the doctors' findings teach the yes/no task to read the direction of evidence)."""
YES_NO_FORM_SHARE = 0.5
"""Share of comparison examples also asked in a yes/no form (all of them would outnumber PubMedQA ninefold)."""


def yes_no_forms(direction_examples: list[Example], rng: random.Random) -> list[Example]:
    """The comparison examples with their own evidence, asked in a yes/no form."""
    out = []
    for e in direction_examples:
        match = _PROMPT.match(e.question)
        if not e.own or match is None or rng.random() >= YES_NO_FORM_SHARE:
            continue
        form, verdicts = rng.choice(YES_NO_FORMS)
        question = form.format(i=match["i"], c=match["c"], o=match["o"])
        out.append(Example(Task.yes_no, question, e.evidence, verdicts[e.label].value, e.group))
    return out


def abstract_tail(contexts: list[str], limit: int = PASSAGE_CHARS) -> str:
    """The abstract's last parts, whole, within ``limit`` characters (at least one part)."""
    kept: list[str] = []
    for part in reversed(contexts):
        if kept and sum(len(k) + 1 for k in kept) + len(part) > limit:
            break
        kept.insert(0, part)
    return " ".join(kept)


def pubmedqa_examples(benchmarks: Path, part: Part, rng: random.Random) -> list[Example]:
    """Each question with its abstract's tail and its verdict; for some, another abstract, unclear."""
    mine = [r for r in load_rows(benchmarks) if pubmedqa_part(r["id"]) is part]
    out = []
    for row in mine:
        group = str(row["id"])
        out.append(Example(Task.yes_no, row["question"], abstract_tail(row["contexts"]),
                           VERDICT_OF[row["final_decision"]], group, source="pubmedqa"))
        if rng.random() < NEGATIVE_SHARE:
            other = rng.choice([r for r in mine if r is not row])
            out.append(Example(Task.yes_no, row["question"], abstract_tail(other["contexts"]), Verdict.unclear.value,
                               group, own=False, source="pubmedqa"))
    return out


def examples(shared: Path, part: Part, seed: int) -> list[Example]:
    """Every example of ``part`` from the shared benchmarks folder (``../shared/benchmarks``)."""
    rng = random.Random(seed)
    comparisons = ei_examples(shared / "evidence-inference", part, rng)
    return comparisons + pubmedqa_examples(shared, part, rng) + yes_no_forms(comparisons, rng)
