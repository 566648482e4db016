"""A light sentence splitter for scientific prose (no model or data downloads)."""

from __future__ import annotations

import re

from citeqa.ingest.markers import MARKER_RE

ABBREVIATIONS = frozenset(
    "al vs v e.g i.e eg ie cf fig figs no nos dr mr mrs ms prof approx ca ref refs vol eq st jr sr inc ltd co resp "
    "suppl dept univ ed eds et ph".split()
)
_BOUNDARY_RE = re.compile(rf"[.?!][\"'”’)\]]*(?:{MARKER_RE.pattern})*(?=\s+[\"“‘'(\[]?[A-Z0-9])")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences.

    Does not break after abbreviations ("vs.", "et al.", "e.g.", "No."), initials
    ("Loretta J. Nastoupil"), inside decimals, or before a lower-case word; a citation
    marker after the full stop stays with its sentence.

    Args:
        text: The document text.
        start: Start of the passage.
        end: End of the passage.

    Returns:
        ``(start, end)`` of each sentence, stripped of surrounding whitespace.
    """
    spans: list[tuple[int, int]] = []
    seg = start
    for match in _BOUNDARY_RE.finditer(text, start, end):
        word = re.search(r"(\S+)$", text[seg : match.start()])
        token = word.group(1).lstrip("([\"'“").lower() if word else ""
        if token in ABBREVIATIONS or _is_initial(text, seg, match.start(), word, token) or (
            re.fullmatch(r"[a-z](?:\.[a-z])+", token)
        ):
            continue
        spans.append((seg, match.end()))
        seg = match.end()
    spans.append((seg, end))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        s2 = s + len(chunk) - len(chunk.lstrip())
        e2 = s + len(chunk.rstrip())
        if e2 > s2:
            out.append((s2, e2))
    return out


def _is_initial(text: str, seg: int, pos: int, word: re.Match[str] | None, token: str) -> bool:
    """A capital letter before the full stop is an initial ("Loretta J. Nastoupil"), unless
    it ends an upper-case term ("CAR T.")."""
    if not (word and re.fullmatch(r"[a-z]", token) and token.upper() == word.group(1)[-1:]):
        return False
    previous = re.search(r"(\S+)\s+\S+$", text[seg:pos])
    return not (previous and re.fullmatch(r"[A-Z]{2,}[\w-]*", previous.group(1)))
