"""Lines and blank-line-separated blocks of a text, with exact offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A table cell separator: a tab, or a run of 2+ spaces between two non-space characters
# (what pypdf's layout extraction leaves between columns).
CELL_SEP_RE = re.compile(r"\t| {2,}(?=\S)")


@dataclass(frozen=True)
class Line:
    """One line of the text: ``text == doc_text[start:end]`` (no newline)."""

    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def content_start(self) -> int:
        """Offset of the first non-space character."""
        return self.start + len(self.text) - len(self.text.lstrip())

    @property
    def content_end(self) -> int:
        """Offset just after the last non-space character."""
        return self.start + len(self.text.rstrip())

    def has_separator(self) -> bool:
        """True when the line holds a cell separator between two pieces of text."""
        return bool(CELL_SEP_RE.search(self.text.strip(" ")))


def split_lines(text: str) -> list[Line]:
    """Split ``text`` into lines, keeping offsets."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        lines.append(Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def blocks(lines: list[Line]) -> list[list[Line]]:
    """Group consecutive non-blank lines into blocks."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.blank:
            if current:
                out.append(current)
            current = []
        else:
            current.append(line)
    if current:
        out.append(current)
    return out


def normalise_ws(s: str) -> str:
    """Collapse runs of whitespace to one space and strip."""
    return " ".join(s.split())
