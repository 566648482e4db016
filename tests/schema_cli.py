"""``make schema``: schemathesis's own command line (every phase, every check) against a running
service, once without an API key and once with one (the authorised run sends it).

The service is ``tests/serve_fake.py`` over a temporary copy of the bundled corpus, so generated
uploads and deletions never touch ``corpus/``. Exits non-zero when schemathesis reports a failure.
Usage: ``python tests/schema_cli.py [MAX_EXAMPLES]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from citeqa.api.testing import free_port
from citeqa.index.store import build_index
from citeqa.index.testing import HashEmbedder

REPO = Path(__file__).resolve().parent.parent
KEY = "schemathesis-key"


def _serve(root: Path, api_key: str | None) -> tuple[subprocess.Popen, str]:
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(REPO / "corpus" / "review.txt", corpus / "review.txt")
    (corpus / "second.txt").write_text("A second paper\n\nThe complete response rate was 41% in 30 patients.\n")
    build_index([corpus], root / "index", HashEmbedder())
    port = free_port()
    env = {**os.environ, "CITEQA_API_KEY": api_key or "", "CITEQA_MAX_UPLOAD_BYTES": "4096"}
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "serve_fake.py"), str(corpus), str(root / "index"), str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the service did not start")


def run(max_examples: int) -> int:
    """Both runs; returns the worst exit status of ``st run``."""
    status = 0
    for api_key in (None, KEY):
        with tempfile.TemporaryDirectory(prefix="citeqa-schema-") as tmp:
            proc, url = _serve(Path(tmp), api_key)
            try:
                args = [str(Path(sys.executable).parent / "st"), "--config-file", str(REPO / "schemathesis.toml"),
                        "run", f"{url}/openapi.json", "--checks", "all", "--max-examples", str(max_examples),
                        "--workers", "1"]
                if api_key:
                    args += ["-H", f"X-API-Key: {api_key}"]
                print(f"\n== schemathesis {'with' if api_key else 'without'} an API key ==", flush=True)
                status = max(status, subprocess.run(args, check=False).returncode)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    return status


if __name__ == "__main__":
    sys.exit(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
