"""Property-based API test: schemathesis generates requests from the app's own OpenAPI schema
(in-process ASGI) and runs every built-in check on each response — no server error, status codes,
content types, headers and bodies as documented, valid data accepted, invalid data rejected,
unsupported methods answered 405, and, with an API key, writes refused without it.

Two services: one without an API key (writes same-origin only) and one with a key (the
authorised run sends it). Both use the fake engine over a copy of the bundled corpus, so the
uploads and deletions schemathesis generates only touch a temporary folder. ``CITEQA_SCHEMA_EXAMPLES``
sets the examples per operation (``make schema`` runs many more).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from citeqa.api.app import create_app
from citeqa.api.testing import build_fake_engine, fake_manager
from citeqa.settings import Settings

REPO = Path(__file__).resolve().parent.parent
REVIEW = REPO / "corpus" / "review.txt"
KEY = "schemathesis-key"
EXAMPLES = int(os.environ.get("CITEQA_SCHEMA_EXAMPLES", "40"))


def _app(root: Path, api_key: str | None):
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REVIEW, corpus / "review.txt")
    (corpus / "second.txt").write_text(
        "A second paper\n\nThe complete response rate was 41% in 30 patients.\n", encoding="utf-8"
    )
    config = Settings(corpus_dir=corpus, index_dir=root / "index", api_key=api_key, max_upload_bytes=4096)
    engine = build_fake_engine(config.corpus_dir, config.index_dir)
    return create_app(config, manager=fake_manager(config, engine))


def _load_schema(api_key: str | None):
    """Build the app over a temporary corpus once, at collection (schemathesis parametrises from it).

    With a key, schemathesis sends it through the schema's own ``ApiKey`` security scheme, so
    it knows the key is there (a header added after generation would turn a request it made
    without the key into one with it, and the refusal it expects into an acceptance)."""
    import atexit
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="citeqa-schema-"))
    atexit.register(shutil.rmtree, root, True)
    text = (REPO / "schemathesis.toml").read_text(encoding="utf-8")
    if api_key:
        text += f'\n[auth.openapi.ApiKey]\napi_key = "{api_key}"\n'
    config = schemathesis.config.SchemathesisConfig.from_str(text)
    return schemathesis.openapi.from_asgi("/openapi.json", _app(root, api_key), config=config)


schema = _load_schema(api_key=None)
keyed = _load_schema(api_key=KEY)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@schema.parametrize()
@SETTINGS
def test_every_check_passes(case):
    case.call_and_validate()


@keyed.parametrize()
@SETTINGS
def test_every_check_passes_with_the_api_key(case):
    case.call_and_validate()
