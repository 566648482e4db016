"""Issue #9, item 5: a count or a cohort number in the same sentence is not a rival figure for a rate.

"klaxomab achieved a complete response rate of 55% in 3 of 4 cohorts among 120 patients." used to
answer "Sources disagree — 55% vs 3 vs 4", citing one sentence thrice. The decision rule lives in
the answer layer (qa/answering.py: a count, or an "x of y", is no rival for a rate); the model-free
unit test is tests/test_qa_decisions.py.
"""

from __future__ import annotations

import shutil

import pytest

from citeqa.index.store import build_index, load_index
from citeqa.qa.engine import Engine

pytestmark = pytest.mark.slow

KLAXOMAB = (
    "Klaxomab in relapsed large B-cell lymphoma\n\nResults\n\n"
    "klaxomab achieved a complete response rate of 55% in 3 of 4 cohorts among 120 patients.\n"
)


def test_counts_in_the_same_sentence_are_not_rival_figures(tmp_path, review_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    (corpus / "klaxomab.txt").write_text(KLAXOMAB, encoding="utf-8")
    build_index([corpus], tmp_path / "index", embedder)
    engine = Engine(load_index(tmp_path / "index", embedder.name, embedder.dimension), embedder)
    answer = engine.ask("What was the complete response rate with klaxomab?").to_dict()
    assert answer["value"]["number"] == 55 and answer["value"]["unit"] == "%", answer["answer"]
    assert answer["conflict"] is False and len(answer["citations"]) == 1, answer["answer"]
