"""Test doubles for the api stage: an engine that needs no embedding model.

``FakeEngine`` searches a real in-memory ``Index`` with the real ``Retriever`` (over a
``HashEmbedder``) and answers with the first percentage found in the best passage. It is
enough to exercise every endpoint and CLI command quickly; the slow tests use the real engine.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from citeqa.qa.answer import Answer, AnswerCitation, CitedReference, RetrievedPassage, Value
from citeqa.settings import Settings

logger = logging.getLogger(__name__)

_PERCENT = re.compile(r"\d+(?:\.\d+)?%")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class FakeEngine:
    """Engine stand-in over a real index.

    Args:
        index: A ``citeqa.index.store.Index``.
        embedder: Anything with ``name``, ``dimension``, ``encode`` (e.g. ``HashEmbedder``).
    """

    def __init__(self, index: Any, embedder: Any) -> None:
        from citeqa.index.retriever import Retriever

        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index, embedder)
        self.asked: list[str] = []

    def search(self, query: str, k: int = 10, mode: str = "hybrid") -> list[Any]:
        """The real retriever's passages."""
        return self.retriever.search(query, k=k, mode=mode)

    def ask(self, question: str, k: int = 8, options: list[str] | None = None) -> Answer:
        """Quote the first percentage of the best passage holding one; abstain otherwise. With ``options``,
        the choice is the option the quote states (none: abstain, "insufficient information")."""
        answer = self._ask(question, k)
        if options is None:
            return answer
        quote = " ".join(c.quote for c in answer.citations)
        choice = next((o for o in options if o and o in quote), None)
        if choice is None:
            return Answer(question, "Insufficient information.", abstained=True, reason="insufficient information",
                          passages=answer.passages)
        answer.choice = choice
        return answer

    def _ask(self, question: str, k: int) -> Answer:
        self.asked.append(question)
        passages = self.search(question, k=k)
        retrieved = [
            RetrievedPassage(
                passage_id=p.chunk.id,
                doc_id=p.chunk.doc_id,
                text=p.chunk.text,
                score=float(p.score),
                kind=p.chunk.kind,
                section=p.chunk.section,
                page=p.chunk.page,
                start=p.chunk.start,
                end=p.chunk.end,
                references=list(p.chunk.references),
            )
            for p in passages
        ]
        if "unicorn" in question.lower():
            return Answer(question, "Not in corpus.", abstained=True, reason="not_in_corpus", passages=retrieved)
        candidates = [(pattern, p) for pattern in (_PERCENT, _NUMBER) for p in passages]
        for pattern, p in candidates:
            doc = self.index.documents[p.chunk.doc_id]
            source = doc.text[p.chunk.start : p.chunk.end]
            match = pattern.search(source)
            if match is None:
                continue
            # Quote the sentence holding the figure, verbatim.
            s = max(source.rfind(". ", 0, match.start()) + 2, 0) if ". " in source[: match.start()] else 0
            e = source.find(". ", match.end())
            e = len(source) if e < 0 else e + 1
            start, end = p.chunk.start + s, p.chunk.start + e
            refs = [CitedReference(n, r.text) for n in p.chunk.references if (r := doc.reference(n)) is not None]
            citation = AnswerCitation(
                passage_id=p.chunk.id,
                doc_id=doc.doc_id,
                section=p.chunk.section,
                page=p.chunk.page,
                quote=doc.text[start:end],
                start=start,
                end=end,
                references=refs,
            )
            unit = "%" if match.group().endswith("%") else None
            value = Value(number=float(match.group().rstrip("%")), unit=unit)
            return Answer(
                question,
                match.group(),
                value=value,
                confidence=0.5,
                citations=[citation],
                passages=retrieved,
                values=[value],
            )
        return Answer(question, "Not reported.", abstained=True, reason="not_reported", passages=retrieved)


def fake_engine_factory(index: Any, embedder: Any) -> FakeEngine:
    """``EngineManager`` engine factory producing :class:`FakeEngine`."""
    return FakeEngine(index, embedder)


def build_fake_engine(corpus_dir: Path, index_dir: Path, embedder: Any | None = None) -> FakeEngine:
    """Index ``corpus_dir`` into ``index_dir`` with a ``HashEmbedder`` and return a :class:`FakeEngine`."""
    from citeqa.index.store import build_index, load_index
    from citeqa.index.testing import HashEmbedder
    from citeqa.ingest.pipeline import find_corpus_files

    embedder = embedder or HashEmbedder()
    build_index(find_corpus_files([corpus_dir]), index_dir, embedder)
    return FakeEngine(load_index(index_dir, embedder.name, embedder.dimension), embedder)


def fake_manager(settings: Settings, engine: FakeEngine):  # -> EngineManager
    """An ``EngineManager`` whose rebuilds produce :class:`FakeEngine` s."""
    from citeqa.api.manager import EngineManager

    return EngineManager(settings, engine, engine_factory=fake_engine_factory)


class ServerThread:
    """Run an ASGI app with uvicorn on a free loopback port in a background thread.

    Use as a context manager; ``url`` is the base URL (``http://127.0.0.1:PORT``). ``options`` are
    more ``uvicorn.Config`` arguments (e.g. ``citeqa.api.server.uvicorn_options()``).
    """

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int | None = None, log_level: str = "warning", **options: Any
    ) -> None:
        import uvicorn

        self.host = host
        self.port = port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            app, host=host, port=self.port, log_level=log_level, lifespan="on", access_log=False, **options
        )
        self.server = uvicorn.Server(config)
        self.thread: Any = None

    def __enter__(self) -> ServerThread:
        import threading
        import time

        self.thread = threading.Thread(target=self.server.run, name="citeqa-test-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the test server stopped during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("the test server did not start within 120 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)


def free_port(host: str = "127.0.0.1") -> int:
    """A currently free TCP port on ``host``."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
