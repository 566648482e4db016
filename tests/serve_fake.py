"""Serve the API with the fake engine in its own process: ``python tests/serve_fake.py CORPUS INDEX PORT``.

For crash tests: the process can be killed (``CITEQA_CRASH_AT``, or ``kill -9``) and started
again over the same folders; start-up then goes through the real recovery path
(``EngineManager.start``). The index must exist (built with ``HashEmbedder``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from citeqa.api.app import create_app
from citeqa.api.manager import EngineManager
from citeqa.api.server import uvicorn_options
from citeqa.api.testing import FakeEngine, fake_engine_factory
from citeqa.index.store import load_index
from citeqa.index.testing import HashEmbedder
from citeqa.settings import Settings


def _load(index_dir: Path, model: str) -> FakeEngine:
    embedder = HashEmbedder()
    return FakeEngine(load_index(index_dir, embedder.name, embedder.dimension), embedder)


def main(corpus: str, index: str, port: str) -> None:
    settings = Settings(corpus_dir=Path(corpus), index_dir=Path(index), model="test-hash-embedder")
    manager = EngineManager(settings, loader=_load, engine_factory=fake_engine_factory)
    uvicorn.run(
        create_app(settings, manager=manager), host="127.0.0.1", port=int(port), log_level="warning", **uvicorn_options()
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
