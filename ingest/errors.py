"""The one exception ingest raises for files it cannot read."""

from __future__ import annotations

from pathlib import Path


class IngestError(Exception):
    """A file could not be ingested; the message names the file and the likely cause."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"cannot ingest {self.path.name} ({self.path}): {reason}")
