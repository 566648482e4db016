"""The question-answering engine: a loaded index, an embedder and the answer pipeline."""

from __future__ import annotations

import logging
from pathlib import Path

from citeqa.qa.answer import Answer

logger = logging.getLogger(__name__)


class Engine:
    """Answers questions and searches passages over one loaded index.

    Safe to share between threads for reads; to change the corpus, build a new index
    and swap in a new Engine.
    """

    def __init__(self, index, embedder) -> None:  # index: citeqa.index.store.Index
        self.index = index
        self.embedder = embedder

    @classmethod
    def load(cls, index_dir: Path, model: str) -> Engine:
        """Load the index at ``index_dir`` and the embedding model named ``model``."""
        raise NotImplementedError

    def search(self, query: str, k: int = 10, mode: str = "hybrid"):
        """Return the top ``k`` passages (``citeqa.index.retriever.Passage``) for ``query``."""
        raise NotImplementedError

    def ask(self, question: str, k: int = 8) -> Answer:
        """Answer ``question`` extractively from the index."""
        raise NotImplementedError
