"""Training examples for the verdict model, read from the real shared benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from citeqa.eval.splits import Part

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/benchmarks is absent")


def test_evidence_examples_quote_the_article_and_negatives_avoid_all_evidence() -> None:
    from citeqa.eval.evidence_inference import load_prompts
    from citeqa.train.verdict_data import ei_examples

    folder = SHARED / "evidence-inference"
    examples = ei_examples(folder, Part.validation, random.Random(0))
    prompts = {p.id: p for p in load_prompts(folder, "validation")}
    labels = {e.label for e in examples}
    assert labels == {"increased", "decreased", "no_difference", "unclear"}
    for e in examples[:200]:
        prompt = prompts[e.group]
        text = (folder / "corpus" / f"{prompt.doc}.txt").read_text(encoding="utf-8")
        assert e.evidence in text
        if e.label == "unclear":
            start = text.index(e.evidence)
            marked = [s for p in prompts.values() if p.doc == prompt.doc for s in p.evidence]
            assert not any(start < me and ms < start + len(e.evidence) for ms, me in marked)


def test_pubmedqa_examples_keep_the_results_and_never_the_conclusion() -> None:
    from citeqa.eval.pubmedqa import load_rows
    from citeqa.train.verdict_data import PASSAGE_CHARS, pubmedqa_examples

    rows = {r["question"]: r for r in load_rows(SHARED)}
    examples = pubmedqa_examples(SHARED, Part.dev, random.Random(0))
    own = [e for e in examples if e.evidence.endswith(rows[e.question]["contexts"][-1])]
    assert len(own) >= 0.9 * len({e.question for e in examples})
    for e in own:
        row = rows[e.question]
        assert row["long_answer"] not in e.evidence
        assert len(e.evidence) <= PASSAGE_CHARS or e.evidence == row["contexts"][-1]
