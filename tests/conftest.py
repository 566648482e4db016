"""Shared fixtures. Model-loading fixtures are session-scoped so the model loads once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# FastAPI's TestClient sends "Host: testserver"; the service refuses names it does not know (DNS rebinding).
os.environ.setdefault("CITEQA_ALLOWED_HOSTS", "testserver")

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "corpus" / "review.txt"


@pytest.fixture(scope="session")
def review_path() -> Path:
    return REVIEW


@pytest.fixture(scope="session")
def review_text() -> str:
    return REVIEW.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def embedder():
    """The bundled all-MiniLM-L6-v2, loaded once per test session."""
    from citeqa.index.embedder import Embedder
    from citeqa.settings import default_model

    return Embedder(default_model())


@pytest.fixture(scope="session")
def review_index_dir(tmp_path_factory, embedder) -> Path:
    """An index of the bundled corpus, built once per test session."""
    from citeqa.index.store import build_index

    directory = tmp_path_factory.mktemp("index") / "review"
    build_index([REPO / "corpus"], directory, embedder)
    return directory


@pytest.fixture(scope="session")
def engine(review_index_dir, embedder):
    """The question-answering engine over the bundled corpus."""
    from citeqa.index.store import load_index
    from citeqa.qa.engine import Engine

    return Engine(load_index(review_index_dir, embedder.name, embedder.dimension), embedder)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser); skips when absent."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
