"""The question-answering engine: a loaded index, an embedder, a domain pack and the answer layer.

Every question goes the same way:

1. **Supporting sentences** (:mod:`citeqa.qa.support`): the passages retrieved for the question are
   cut into their sentences and table rows, and each is scored by dense similarity, term coverage,
   entities, measure and population. An open question ("How does selinexor work?") is answered by
   the best sentence(s), cited.
2. **The value** (:mod:`citeqa.qa.answering`), when the question asks for one: the facts written in
   those passages are scored (entity, measure, population, unit, time point) and the best one is
   answered, with "not reported", disagreement between sources, or an abstention.

Multiple-choice questions (:mod:`citeqa.qa.choice`) pick the option a supporting sentence states.
Every answer is checked: each figure it states stands in a cited quote, or another candidate is
taken, or the engine abstains.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from citeqa.index.retriever import Passage, Retriever
from citeqa.index.store import Index
from citeqa.qa.answer import Answer, RetrievedPassage
from citeqa.qa.answering import Decision, Scored, decide, score
from citeqa.qa.choice import choose
from citeqa.qa.compare import listed_answer, ranked_answer
from citeqa.qa.compose import (
    ChunkLocator,
    Reason,
    compose,
    not_in_corpus,
    reference_answer,
    ungrounded,
    ungrounded_text,
    value_text,
)
from citeqa.qa.confidence import ConfidenceCalibration, shipped_calibration
from citeqa.qa.facts import Fact, Kind
from citeqa.qa.lexicon import build_lexicon
from citeqa.qa.open import open_answer, unseen_topics
from citeqa.qa.pack import DEFAULT_PACK
from citeqa.qa.passages import PassageStore
from citeqa.qa.question import Question, analyse
from citeqa.qa.support import Support, supporting
from citeqa.qa.support_model import SupportModel, shipped_support_model
from citeqa.qa.verdict_model import (
    Task,
    Verdict,
    VerdictModel,
    VerdictModelError,
    shipped_model,
)
from citeqa.qa.verdicts import Judgement, judge, task_of, with_verdict
from citeqa.qa.vocabulary import Vocabulary, load_vocabulary

logger = logging.getLogger(__name__)

DEPTH = 48
"""Passages whose sentences and facts a question considers (the first ``k`` are returned, re-ranked by
their best sentence: a pool deeper than ``k`` lets the sentence scores find what the chunk ranking
missed)."""
UNNAMED_MEASURE_UNITS = 3
"""A question naming no measure is answered only from its best supporting sentences or rows."""
GROUNDING_TRIES = 4
"""Candidates tried before abstaining when an answer's figures are not all in its quotes."""


class Engine:
    """Answers questions and searches passages over one loaded index.

    Everything a question needs (lexicon, each passage's sentences and facts) is built once here;
    a question costs one query embedding, one search and the scoring of the retrieved passages'
    sentences and facts. Safe to share between threads for reads; to change the corpus, build a
    new index and swap in a new Engine.

    Args:
        index: The loaded index.
        embedder: The embedding model the index was built with.
        vocabulary: The domain pack: compiled, or a bundled pack's name or TOML path (default: oncology).
        verdicts: Loads the verdict model on the first yes/no or comparison question (default: the shipped
            one); None answers those questions without a verdict.
        support_model: Scores the retrieved sentences and rows (default: the shipped one).
        calibration: Turns an answer's raw score into the probability that it is right (default: the shipped
            one; :data:`citeqa.qa.confidence.RAW` keeps raw scores, as training reads them).
    """

    def __init__(self, index: Index, embedder, vocabulary: Vocabulary | str | None = None,
                 verdicts: Callable[[], VerdictModel] | None = shipped_model,
                 support_model: SupportModel | None = None,
                 calibration: ConfidenceCalibration | None = None) -> None:
        self.index = index
        self.support_model = support_model or shipped_support_model()
        self.calibration = calibration or shipped_calibration()
        self.verdicts = verdicts
        self.embedder = embedder
        self.vocabulary = vocabulary if isinstance(vocabulary, Vocabulary) else load_vocabulary(vocabulary or DEFAULT_PACK)
        self.retriever = Retriever(index, embedder)
        documents = list(index.documents.values())
        self.lexicon = build_lexicon(documents, self.vocabulary)
        self.store = PassageStore(index, self.lexicon)
        self.locator = ChunkLocator(index.chunks)
        logger.info("engine ready: %d documents, %d chunks, %d sentences, %d facts (pack %s)", len(documents),
                    len(index.chunks), len(self.store.units), len(self.store.facts), self.vocabulary.pack.name)

    @property
    def facts(self) -> list[Fact]:
        """Every fact of the corpus (built once; a question scores only its passages' facts)."""
        return self.store.facts

    @classmethod
    def load(cls, index_dir: Path, model: str, pack: str | None = None) -> Engine:
        """Load the index at ``index_dir``, the embedding model named ``model`` and the domain ``pack``."""
        from citeqa.index.embedder import Embedder
        from citeqa.index.store import load_index

        embedder = Embedder(model)
        index = load_index(Path(index_dir), model=model, dimension=embedder.dimension)
        return cls(index, embedder, pack)

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[Passage]:
        """Return the top ``k`` passages for ``query``."""
        return self.retriever.search(query, k=k, mode=mode)

    def analyse(self, question: str) -> Question:
        """How the engine reads ``question`` (entities, measure, population, units)."""
        return analyse(question, self.lexicon)

    def ask(self, question: str, k: int = 8, options: Sequence[str] | None = None) -> Answer:
        """Answer ``question`` extractively from the index.

        Args:
            question: A question in plain language.
            k: How many passages to retrieve and return alongside the answer.
            options: Multiple-choice options: the answer's ``choice`` is the one a cited quote states,
                or None with ``abstained`` and reason "insufficient information".
        """
        q, passages, support = self.read(question, k)
        unseen = unseen_topics(q, self.store, self.lexicon)
        if unseen:
            answer = not_in_corpus(q, 0.0, self.vocabulary, unseen)
            if options is not None:
                answer.reason = Reason.INSUFFICIENT
        else:
            answer = self._answer(q, support)
            if options is not None:
                answer = choose(q, list(options), support, self.store, self.lexicon, answer)
        task = task_of(q)
        if task is not None and options is None and self.verdicts is not None:
            answer = self._verdict(answer, q, task, support)
        answer.passages = [_retrieved(p) for p in rerank(passages, support)[:k]]
        answer.question = question
        answer.confidence = self.calibration.confidence(answer)
        return answer

    def read(self, question: str, k: int = DEPTH) -> tuple[Question, list[Passage], list[Support]]:
        """Step 1 of answering: ``question`` analysed, its passages retrieved (at least :data:`DEPTH`) and
        their sentences and rows scored, best first."""
        text = self.lexicon.corrected(question)  # a misspelt corpus word read as the corpus writes it
        q = self.analyse(text)
        names = " ".join(sorted({self.lexicon.display.get(e, e) for e in q.entities}))
        query = " ".join([text, names, *self.lexicon.expansions(text)]).strip()
        vector = self.retriever.embed(query)
        passages = self.retriever.search(query, k=max(k, DEPTH), query_vector=vector)
        outcome = self.retriever.embed(q.outcome) if q.outcome else None
        return q, passages, supporting(q, vector, passages, self.store, self.lexicon, outcome, self.support_model)

    def _verdict(self, answer: Answer, q: Question, task: Task, support: list[Support]) -> Answer:
        """``answer`` with its verdict or direction (an abstained answer's is unclear, without reading)."""
        if answer.abstained:
            return with_verdict(answer, q, Judgement(task, Verdict.unclear.value, 0.0, None), self.store)
        model = self.verdict_model()
        if model is None:
            return answer
        return with_verdict(answer, q, judge(q, task, support, self.store, model), self.store)

    def verdict_model(self) -> VerdictModel | None:
        """The verdict model, loaded on first use; None (logged once) when it is off or cannot be read:
        answers then come without a verdict rather than fail."""
        if self.verdicts is None:
            return None
        try:
            return self.verdicts()
        except VerdictModelError as exc:
            logger.error("verdicts are off: %s", exc)
            self.verdicts = None
            return None

    def _answer(self, q: Question, support: list[Support]) -> Answer:
        """The answer without options: a reference, a value (step 2) or a sentence (step 1)."""
        if q.reference_field:
            return self._reference(q, support)
        if q.asks_quantity:
            answer = self._value(q, support)
            if answer.abstained and answer.reason != "not reported" and self._open_fallback(q):
                answer = open_answer(q, support, self.store, self.lexicon)
            return answer
        return open_answer(q, support, self.store, self.lexicon)

    def _open_fallback(self, q: Question) -> bool:
        """A "which/what" question whose measure is a name or identifier may be answered by a sentence."""
        return not q.explicit_quantity and (q.measure is None or self.vocabulary.textual(q.measure)) and not q.unknown_drugs

    def _value(self, q: Question, support: list[Support]) -> Answer:
        """Step 2: the value, read from the facts of the supporting passages."""
        vocab = self.vocabulary
        candidates: list[Scored] = []
        for rank, s in enumerate(support):
            if q.measure is None and rank >= UNNAMED_MEASURE_UNITS:
                break  # a figure of no named measure answers only from the sentences that best fit the question
            for i in s.unit.facts:
                scored = score(q, self.store.facts[i], _relative(s, support), vocab)
                if scored:
                    candidates.append(scored)
        reading = ranked_answer if q.extreme is not None else listed_answer
        several = reading(q, candidates, self.index.documents, self.locator, self.lexicon)
        if several is not None and not ungrounded(several.answer, several.citations):
            return several
        rejected_any = False
        for _ in range(GROUNDING_TRIES):
            decision = decide(q, candidates)
            answer = compose(q, decision, self.index.documents, self.locator, self.lexicon)
            missing = ungrounded(answer.answer, answer.citations) if not answer.abstained else []
            if not missing:
                if rejected_any and answer.abstained and answer.reason != "not reported":
                    break  # every candidate left states its figure otherwise than its source
                return answer
            rejected_any = True
            # A normal decision path, not a fault: logged for debugging only.
            logger.debug("answer %r states %s, which no cited quote does: trying another candidate",
                         answer.answer, missing)
            rejected = self._ungrounded_facts(decision)
            candidates = [c for c in candidates if id(c) not in rejected]
        return not_in_corpus(q, 0.0, vocab, "no candidate answer is stated verbatim in its sources")

    def _ungrounded_facts(self, decision: Decision) -> set[int]:
        """The candidates of ``decision`` whose figure, as the answer writes it, is not in their own quote
        (the best one when none is singled out)."""
        bad = set()
        for s in decision.facts:
            doc = self.index.documents[s.fact.doc_id]
            quote = doc.text[s.fact.quote_start : s.fact.quote_end]
            if ungrounded_text(value_text(s.fact, self.vocabulary), quote):
                bad.add(id(s))
        return bad or {id(decision.facts[0])} if decision.facts else bad

    def _reference(self, q: Question, support: list[Support]) -> Answer:
        """Find the cited study behind the question's entity: by the retrieved passages that cite it
        about that entity, and by the words of the reference entries of their documents."""
        votes: Counter[tuple[str, int]] = Counter()
        backing: dict[tuple[str, int], Fact] = {}
        if q.entities:
            for s in support:
                for i in s.unit.facts:
                    fact = self.store.facts[i]
                    shared = len(q.entities & fact.entities) / len(q.entities)
                    if not fact.references or shared < 0.5:
                        continue
                    weight = shared * (2 if fact.kind is Kind.cell and len(fact.references) == 1 else 1) / len(fact.references)
                    for n in fact.references:
                        key = (fact.doc_id, n)
                        if key not in votes or weight > votes[key]:
                            backing[key] = fact
                        votes[key] = max(votes[key], weight)
        vocab = self.vocabulary
        for doc_id in dict.fromkeys(s.unit.doc_id for s in support):
            for ref in self.index.documents[doc_id].references:
                entry = f"{ref.title or ''} {ref.journal or ''}"
                concepts = self.lexicon.entities_in(entry)
                named = len(q.entities & concepts) / len(q.entities) if q.entities else 0.0
                words = len(q.keywords & vocab.stems(entry)) / max(1, len(q.keywords))
                if named or (not q.entities and words >= 0.5):
                    votes[(doc_id, ref.number)] += 1.5 * named + words
        return reference_answer(q, votes, self.index.documents, backing, self.locator)


def rerank(passages: list[Passage], support: list[Support]) -> list[Passage]:
    """The retrieved passages, those holding the best supporting sentences first (a sentence-level
    reranking of the chunk-level retrieval; ties keep the retrieval order)."""
    best: dict[str, float] = {}
    for s in support:
        chunk_id = s.unit.chunk_id
        best[chunk_id] = max(best.get(chunk_id, 0.0), s.score)
    order = sorted(range(len(passages)), key=lambda i: (-best.get(passages[i].chunk.id, 0.0), i))
    return [passages[i] for i in order]


def _relative(s: Support, support: list[Support]) -> float:
    """A unit's support relative to the best one (1.0 for the best)."""
    best = support[0].score if support else 1.0
    return max(0.0, min(1.0, s.score / best)) if best > 0 else 0.0


def _retrieved(p: Passage) -> RetrievedPassage:
    c = p.chunk
    return RetrievedPassage(c.id, c.doc_id, c.text, round(float(p.score), 6), c.kind, c.section, c.page, c.start, c.end,
                            list(c.references))

