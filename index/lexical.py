"""BM25 over chunk texts with bm25s, English Snowball stemming (PyStemmer) and stopwords.

Tokenisation: lower-cased ``\\w\\w+`` words (bm25s's default pattern), stopwords removed,
stemmed. In addition (``compounds="numeric"``, the default) every compound holding a digit,
such as ``zuma-7``, ``il-6``, ``cd19/cd20``, ``3.5`` or ``34%``, is kept whole (unstemmed) as an
extra token, so exact identifiers and figures match more strongly than their parts; trial
identifiers like ``nct05633615`` are already single words. ``compounds="all"`` also keeps
word-only compounds (``car-t``, ``event-free``); on SciFact train that cost nDCG, so it is off.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
_WORD = re.compile(r"(?u)\b\w\w+\b")
# A run of word characters joined by -, /, . or + (and an optional trailing %), e.g. CAR-T, 3.5, 34%.
# Tried only where a word starts, without backtracking into a word (possessive ``\w++``): linear
# time on any text (a 900-character "word" of a hostile PDF took 11 ms a chunk, quadratically).
_COMPOUND = re.compile(r"(?u)(?<!\w)\w++(?:[-/.+]\w++)+%?|(?<!\w)\w++%")


@dataclass(frozen=True)
class BM25Params:
    """BM25 scoring and tokenisation settings.

    Chosen on SciFact train: over chunked abstracts every k1 ∈ {0.9, 1.2, 1.5} × b ∈ {0.4, 0.75,
    0.9} lies within 0.013 nDCG@10 (best k1=0.9, b=0.4), and on whole abstracts the methods
    lucene, bm25+, robertson and atire differ by < 0.003, so the robust Anserini BEIR setting
    k1=0.9, b=0.4, lucene is used. Numeric compounds are neutral (±0.002), word compounds cost
    about 0.005, hence ``compounds="numeric"``.
    """

    k1: float = 0.9
    b: float = 0.4
    method: str = "lucene"
    stem: bool = True
    stopwords: bool = True
    compounds: str = "numeric"

    def __post_init__(self) -> None:
        if self.compounds not in ("none", "numeric", "all"):
            raise ValueError(f"BM25 compounds must be 'none', 'numeric' or 'all', got {self.compounds!r}")


class Tokenizer:
    """Text → list of index terms, per :class:`BM25Params`."""

    def __init__(self, params: BM25Params) -> None:
        self.params = params
        self._stopwords = frozenset(STOPWORDS_EN) if params.stopwords else frozenset()
        self._stemmer = Stemmer.Stemmer("english") if params.stem else None
        self._cache: dict[str, str] = {}

    def _stem(self, words: list[str]) -> list[str]:
        if self._stemmer is None:
            return words
        cache = self._cache
        local: dict[str, str] = {}
        missing = []
        for word in set(words):
            stem = cache.get(word)
            if stem is None:
                missing.append(word)
            else:
                local[word] = stem
        if missing:
            stems = dict(zip(missing, self._stemmer.stemWords(missing), strict=True))
            local.update(stems)
            if len(cache) > 200_000:  # bound memory in a long-running service
                cache.clear()
            cache.update(stems)
        return [local[w] for w in words]

    def __call__(self, text: str) -> list[str]:
        """Return the index terms of ``text``."""
        lowered = text.lower()
        words = [w for w in _WORD.findall(lowered) if w not in self._stopwords]
        terms = self._stem(words)
        if self.params.compounds != "none":
            numeric_only = self.params.compounds == "numeric"
            terms.extend(
                c
                for c in _COMPOUND.findall(lowered)
                if not _is_plain_number(c) and (not numeric_only or any(ch.isdigit() for ch in c))
            )
        return terms

    def many(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokenise each of ``texts``."""
        return [self(t) for t in texts]


def _is_plain_number(token: str) -> bool:
    # Decimals like 0.05 are worth keeping whole; dotted section numbers and bare digits are not special.
    return token.replace(".", "").isdigit() and token.count(".") != 1


class LexicalIndex:
    """A bm25s index over a list of texts; positions are row numbers (chunk order)."""

    def __init__(self, retriever: bm25s.BM25, params: BM25Params, size: int) -> None:
        self._bm25 = retriever
        self.params = params
        self.size = size
        self.tokenizer = Tokenizer(params)

    @classmethod
    def build(cls, texts: Sequence[str], params: BM25Params | None = None) -> LexicalIndex:
        """Index ``texts`` with BM25."""
        params = params or BM25Params()
        tokenizer = Tokenizer(params)
        corpus_tokens = tokenizer.many(texts)
        retriever = bm25s.BM25(k1=params.k1, b=params.b, method=params.method)
        # create_empty_token keeps bm25s happy with empty texts and queries of unknown words.
        retriever.index(corpus_tokens, show_progress=False, create_empty_token=True)
        return cls(retriever, params, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for ``query`` (zeros when no query term is known)."""
        ids = self._bm25.get_tokens_ids(self.tokenizer(query))
        if not ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows for ``query`` as ``(rows, scores)``, best first; zero-score rows are dropped."""
        scores = self.scores(query)
        rows = top_k(scores, k)
        rows = rows[scores[rows] > 0]
        return rows, scores[rows]

    def save(self, directory: Path) -> None:
        """Write the bm25s files and ``tokenizer.json`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(directory), show_progress=False)
        (directory / TOKENIZER_FILE).write_text(
            json.dumps({**asdict(self.params), "size": self.size}, indent=2), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read an index written by :meth:`save`."""
        config = json.loads((directory / TOKENIZER_FILE).read_text(encoding="utf-8"))
        size = int(config.pop("size"))
        if isinstance(config.get("compounds"), bool):  # early indexes stored a flag
            config["compounds"] = "all" if config["compounds"] else "none"
        params = BM25Params(**config)
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, params, size)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest ``scores``, best first (ties broken by index)."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part]))
    return part[order]
