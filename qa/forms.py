"""How a corpus writes a word: whole, as a part of a compound, as the initials of a phrase, or — the
reader's typo — one or two letters away.

A question word the corpus writes in none of these forms is one it never mentions; only then may
the answer say "not in the corpus". ``allo-HCT`` mentions HCT; "International Prognostic Index"
mentions IPI although the text never writes the initials; "respnse" is "response" misspelt.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

# A compound's parts: "allo-HCT" → allo, hct; "CD20/CD3" and "pola+BR" likewise.
_COMPOUND_SPLIT = re.compile(r"[-+/'’]")
# A capitalised word, or a short word that may stand inside a name ("Center for International …").
_CAPITALISED = re.compile(r"[A-Z][a-z]+")
# A compound that negates its rest does not mention it: "non-Hodgkin" is no mention of Hodgkin.
NEGATING_PREFIX = "non"
_NAME_FILLERS = frozenset("of and for the in on to with de & at".split())
MAX_PHRASE = 8  # words of a capitalised phrase whose initials are read (names longer than this are rare)
# Spelling: a misspelt word is one edit (a swap of two letters counts as one) from the corpus's word,
# with the same first letter. Every typo the answer-layer issue lists ("respnse", "relpase",
# "Influenze", "Zanamavir") is one edit away; two edits turned "diabetes" into "diameter" on the
# review's own question set, so one it is. Shorter words are too often other real words.
MIN_CORRECTED = 5
MAX_EDITS = 1
MIN_CLIPPED = 4
"""Letters a clipped word ("chemo", "immuno", "allo") needs to stand for the words it begins: three ("pre",
"car") begin too many unrelated ones."""
# A long form counts as written when each of its words of this length or more begins, with this many
# letters, a word the corpus writes ("randomised" ~ "randomized", "transplantation" ~ "transplant").
WRITTEN_PREFIX = 6


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _NAME_FILLERS).lower()


def _phrases(text: str) -> Iterable[list[str]]:
    """Runs of capitalised words (with the fillers a name holds) in ``text``."""
    run: list[str] = []
    for token in re.findall(r"[A-Za-z]+|&", text):
        if _CAPITALISED.fullmatch(token) or (run and token.lower() in _NAME_FILLERS):
            run.append(token)
            continue
        yield from _trimmed(run)
        run = []
    yield from _trimmed(run)


def _trimmed(run: list[str]) -> Iterable[list[str]]:
    while run and run[-1].lower() in _NAME_FILLERS:
        run = run[:-1]
    if sum(1 for w in run if w.lower() not in _NAME_FILLERS) >= 2:
        yield run


@dataclass
class CorpusForms:
    """The forms in which a corpus writes its words.

    Attributes:
        counts: Every word written, lower case (compounds whole), with how often.
        parts: The parts of written compounds ("allo-HCT" → "allo", "hct").
        initialisms: Initials of capitalised phrases the corpus writes → the phrase
            ("ipi" → "International Prognostic Index").
    """

    counts: Counter[str] = field(default_factory=Counter)
    parts: set[str] = field(default_factory=set)
    initialisms: dict[str, str] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)
    _by_letter: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def read(self, words: Iterable[str], text: str) -> None:
        """Add a document: its word tokens (compounds whole) and its text (for phrases)."""
        for word in words:
            lower = word.lower()
            self.counts[lower] += 1
            if len(lower) >= WRITTEN_PREFIX:
                self.prefixes.add(lower[:WRITTEN_PREFIX])
            pieces = _COMPOUND_SPLIT.split(lower)
            if len(pieces) > 1 and pieces[0] != NEGATING_PREFIX:
                self.parts.update(p for p in pieces if len(p) >= 2)  # "7-DHC", "CTLA-4", "t-SNE"
        for run in _phrases(text):
            for start in (i for i, w in enumerate(run) if w.lower() not in _NAME_FILLERS):
                for end in range(start + 2, min(len(run), start + MAX_PHRASE) + 1):
                    initials = _initials(run[start:end])
                    if len(initials) >= 2:
                        self.initialisms.setdefault(initials, " ".join(run[start:end]))
        self._by_letter.clear()

    def mentions(self, word: str) -> bool:
        """Whether the corpus writes ``word`` whole, as a part of a compound or as a phrase's initials
        (for an all-capitals word), or every part of a compound ``word``."""
        lower = word.lower()
        if lower in self.counts or lower in self.parts:
            return True
        if word.isupper() and lower in self.initialisms:
            return True
        pieces = [p for p in _COMPOUND_SPLIT.split(lower) if len(p) >= 2]
        return len(pieces) > 1 and all(p in self.counts or p in self.parts for p in pieces)

    def writes_phrase(self, phrase: str) -> bool:
        """Whether the corpus writes every long word of ``phrase`` (by its first letters, see
        :data:`WRITTEN_PREFIX`) and every short one whole."""
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", phrase)]
        return bool(words) and all(
            (w[:WRITTEN_PREFIX] in self.prefixes) if len(w) >= WRITTEN_PREFIX else (w in self.counts or w in _NAME_FILLERS)
            for w in words
        )

    def expansion(self, word: str) -> str | None:
        """The phrase an all-capitals ``word`` the corpus never writes is the initials of, or None."""
        lower = word.lower()
        if not word.isupper() or lower in self.counts:
            return None
        return self.initialisms.get(lower)

    def correction(self, word: str) -> str | None:
        """The corpus word ``word`` is a misspelling of (same first letter, one edit away — a swap of
        two letters is one; the more frequent of equals), or None."""
        lower = word.lower()
        if len(lower) < MIN_CORRECTED or not lower.isalpha() or self.mentions(lower):
            return None
        candidates = self._candidates(lower[0])
        best = process.extractOne(lower, candidates, scorer=OSA.distance, score_cutoff=MAX_EDITS)
        return best[0] if best else None

    def completions(self, clipped: str, most: int = 3) -> list[str]:
        """The most frequent written words ``clipped`` is the start of ("chemo" → "chemotherapy", …), at
        most ``most``; none for a word shorter than :data:`MIN_CLIPPED`."""
        lower = clipped.lower()
        if len(lower) < MIN_CLIPPED or not lower.isalpha():
            return []
        return [w for w in self._candidates(lower[0]) if w.startswith(lower) and w != lower][:most]

    def _candidates(self, letter: str) -> list[str]:
        """Written words starting with ``letter``, most frequent first (a tie goes to the common word)."""
        if not self._by_letter:
            grouped: dict[str, list[str]] = {}
            for w, _ in self.counts.most_common():
                if w.isalpha() and len(w) >= MIN_CORRECTED - 1:
                    grouped.setdefault(w[0], []).append(w)
            self._by_letter.update(grouped)
        return self._by_letter.get(letter, [])
