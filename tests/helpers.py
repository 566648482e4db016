"""Helpers shared by test modules (importable: ``tests/`` is on pytest's pythonpath)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from citeqa.settings import Settings


def snapshot(settings: Settings) -> dict[str, str]:
    """Hashes of every file of the corpus and index folders."""
    out = {}
    for base in (settings.corpus_dir, settings.index_dir):
        for path in sorted(Path(base).rglob("*")):
            if path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def indexed_review(root: Path, review_path: Path, embedder, **settings) -> Settings:
    """A corpus folder holding a copy of the review, indexed with ``embedder``."""
    from citeqa.index.store import build_index

    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    out = Settings(corpus_dir=corpus, index_dir=root / "index", **settings)
    build_index([corpus / "review.txt"], out.index_dir, embedder)
    return out


def engine_over(root: Path, texts: dict[str, str], embedder, pack: str = "clinical-trial", verdicts=None):
    """An engine over small text documents (``{file name: text}``) written to ``root``, with the
    domain ``pack``: the real ingest, index and answer layer, with any embedder; ``verdicts`` loads the
    verdict model (None: no verdicts, no model loaded)."""
    from citeqa.index.store import build_index, load_index
    from citeqa.qa.engine import Engine
    from citeqa.qa.vocabulary import load_vocabulary

    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index([corpus], root / "index", embedder)
    return Engine(load_index(root / "index"), embedder, load_vocabulary(pack), verdicts=verdicts)


CSP_VIOLATION = "Content Security Policy"  # how Chromium's console words a blocked script, style, image or request


def console_errors(page) -> list[str]:
    """A list that fills with ``page``'s console errors and uncaught exceptions (CSP violations among them)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
