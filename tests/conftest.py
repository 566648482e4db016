"""Shared fixtures. Model-loading fixtures are session-scoped so the model loads once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "corpus" / "review.txt"


@pytest.fixture(scope="session")
def review_path() -> Path:
    return REVIEW


@pytest.fixture(scope="session")
def review_text() -> str:
    return REVIEW.read_text(encoding="utf-8")
