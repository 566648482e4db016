"""The question-answering engine: a loaded index, an embedder and the answer pipeline."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from citeqa.index.retriever import Passage, Retriever
from citeqa.index.store import Index
from citeqa.qa.answer import Answer, RetrievedPassage
from citeqa.qa.answering import decide, score
from citeqa.qa.compose import ChunkLocator, compose, reference_answer
from citeqa.qa.cells import table_facts
from citeqa.qa.facts import Fact, stems
from citeqa.qa.lexicon import build_lexicon
from citeqa.qa.question import Question, analyse
from citeqa.qa.statements import sentence_facts

logger = logging.getLogger(__name__)


class Engine:
    """Answers questions and searches passages over one loaded index.

    Everything a question needs (lexicon, facts, chunk lookup) is built once here;
    a question costs one query embedding, one search and a scan of the facts. Safe
    to share between threads for reads; to change the corpus, build a new index and
    swap in a new Engine.
    """

    def __init__(self, index: Index, embedder) -> None:
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder)
        documents = list(index.documents.values())
        self.lexicon = build_lexicon(documents)
        self.facts: list[Fact] = [
            *(f for doc in documents for table in doc.tables for f in table_facts(doc, table, self.lexicon)),
            *(f for doc in documents for f in sentence_facts(doc, self.lexicon)),
        ]
        self.locator = ChunkLocator(index.chunks)
        # What each reference entry names, for "who / where / when" questions.
        self.reference_terms = [
            (doc.doc_id, ref.number, self.lexicon.entities_in(entry), stems(entry))
            for doc in documents
            for ref in doc.references
            for entry in [f"{ref.title or ''} {ref.journal or ''}"]
        ]
        logger.info("engine ready: %d documents, %d chunks, %d facts", len(documents), len(index.chunks), len(self.facts))

    @classmethod
    def load(cls, index_dir: Path, model: str) -> Engine:
        """Load the index at ``index_dir`` and the embedding model named ``model``."""
        from citeqa.index.embedder import Embedder
        from citeqa.index.store import load_index

        embedder = Embedder(model)
        index = load_index(Path(index_dir), model=model, dimension=embedder.dimension)
        return cls(index, embedder)

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[Passage]:
        """Return the top ``k`` passages for ``query``."""
        return self.retriever.search(query, k=k, mode=mode)

    def analyse(self, question: str) -> Question:
        """How the engine reads ``question`` (entities, measure, population, units)."""
        return analyse(question, self.lexicon)

    def ask(self, question: str, k: int = 8) -> Answer:
        """Answer ``question`` extractively from the index.

        Args:
            question: A question in plain language.
            k: How many passages to retrieve and return alongside the answer.
        """
        q = self.analyse(question)
        names = " ".join(sorted({self.lexicon.display.get(e, e) for e in q.entities}))
        passages = self.search(f"{question} {names}".strip(), k=k)
        if q.reference_field:
            answer = self._reference(q)
        else:
            retrieved = self._retrieved_starts(passages)
            scored = [s for s in (score(q, f, retrieved) for f in self.facts) if s]
            answer = compose(q, decide(q, scored), self.index.documents, self.locator, self.lexicon)
        answer.passages = [_retrieved(p) for p in passages]
        return answer

    def _retrieved_starts(self, passages: list[Passage]) -> set[tuple[str, int]]:
        """Sentence starts of the facts that lie inside the retrieved passages."""
        spans = [(p.chunk.doc_id, s, e) for p in passages for s, e in (p.chunk.spans or [[p.chunk.start, p.chunk.end]])]
        return {
            (fact.doc_id, fact.quote_start)
            for fact in self.facts
            if any(doc == fact.doc_id and s <= fact.quote_start < e for doc, s, e in spans)
        }

    def _reference(self, q: Question) -> Answer:
        """Find the cited study behind the question's entity: by the passages that cite it
        about that entity, and by the words of the reference entry itself."""
        votes: Counter[tuple[str, int]] = Counter()
        support: dict[tuple[str, int], Fact] = {}
        if q.entities:
            for fact in self.facts:
                shared = len(q.entities & fact.entities) / len(q.entities)
                if not fact.references or shared < 0.5:
                    continue
                weight = shared * (2 if fact.kind == "cell" and len(fact.references) == 1 else 1) / len(fact.references)
                for n in fact.references:
                    key = (fact.doc_id, n)
                    if key not in votes or weight > votes[key]:
                        support[key] = fact
                    votes[key] = max(votes[key], weight)
        for doc_id, number, concepts, terms in self.reference_terms:
            named = len(q.entities & concepts) / len(q.entities) if q.entities else 0.0
            words = len(q.keywords & terms) / max(1, len(q.keywords))
            if named or (not q.entities and words >= 0.5):
                votes[(doc_id, number)] += 1.5 * named + words
        return reference_answer(q, votes, self.index.documents, support, self.locator)


def _retrieved(p: Passage) -> RetrievedPassage:
    c = p.chunk
    return RetrievedPassage(c.id, c.doc_id, c.text, round(float(p.score), 6), c.kind, c.section, c.page, c.start, c.end,
                            list(c.references))
