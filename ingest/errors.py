"""The one exception ingest raises for files it cannot read."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file could not be ingested; the message names the file and the likely cause."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot ingest {self.path.name} ({self.path}): {reason}")

    def __reduce__(self) -> tuple[type, tuple[Path, str]]:  # sent back from a parse worker
        return type(self), (self.path, self.reason)


class WrongFileType(IngestError):
    """The file's content is of another type than its name says (a .docx named .pdf)."""
