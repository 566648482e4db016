"""Open (sentence-graded) review questions: a citation of the expected sentence is right, anything else wrong."""

from __future__ import annotations

from eval_doubles import answer, citation, passage

from citeqa.eval.cases import parse_case
from citeqa.eval.scoring import cites_spans, score_answer, span_rank

SENTENCE = {"start": 100, "end": 200, "text": "s" * 100}
CASE = parse_case({"id": "o", "question": "how does it work?", "tags": ["open"], "source": {"doc_id": "review"},
                   "expected": {"sentences": [SENTENCE]}})


def test_right_sentence_scores_and_wrong_sentence_does_not():
    right = score_answer(CASE, answer(citations=[citation("review", 100, 200)]))
    wrong = score_answer(CASE, answer(citations=[citation("review", 201, 300)]))
    assert right.correct and right.credit == 1.0
    assert not wrong.correct and wrong.credit == 0.0
    assert "expected cite [100,200)" in wrong.message


def test_a_clause_counts_a_whole_passage_does_not():
    assert cites_spans(citation("review", 120, 160), "review", [(100, 200)])  # clause inside the sentence
    assert cites_spans(citation("review", 90, 200), "review", [(100, 200)])  # 100 of 110 characters inside
    assert not cites_spans(citation("review", 0, 400), "review", [(100, 200)])  # 100 of 400: a whole passage
    assert not cites_spans(citation("other", 100, 200), "review", [(100, 200)])  # same offsets, other document
    assert cites_spans(citation("review", 150, 350), "review", [(100, 200), (250, 350)])  # two expected sentences


def test_abstaining_or_citing_nothing_is_wrong_and_any_later_citation_counts():
    assert not score_answer(CASE, answer(abstained=True)).correct
    assert not score_answer(CASE, answer(citations=[])).correct
    both = answer(citations=[citation("review", 0, 50), citation("review", 110, 190)])
    assert score_answer(CASE, both).correct


def test_retrieval_rank_is_the_first_passage_touching_the_sentence():
    got = answer(passages=[passage("review", 0, 99), passage("other", 100, 200), passage("review", 199, 400)])
    assert span_rank(got, "review", [(100, 200)]) == 3
    assert score_answer(CASE, got).retrieval_rank == 3
    assert span_rank(answer(passages=[passage("review", 0, 100)]), "review", [(100, 200)]) == 0
