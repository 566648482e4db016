"""200 MB request bodies against a real ``citeqa serve`` (the bundled model and corpus): each is
refused with 413 while it streams — with or without Content-Length, JSON or multipart — and the
server's resident memory grows by less than 50 MB (sampled every 10 ms while the body is sent).

The bodies are generated a megabyte at a time and written to a raw socket, as a client that
reads the early 413 would; nothing holds 200 MB in the test either.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from citeqa.api.testing import free_port
from helpers import indexed_review

pytestmark = pytest.mark.slow

MB = 1024 * 1024
BODY = 200 * MB
GROWTH_LIMIT = 50 * MB


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class Peak:
    """The highest RSS of ``pid`` while the ``with`` block runs."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.stop = pid, _rss(pid), threading.Event()

    def _sample(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, _rss(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> Peak:
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.2)
        self.stop.set()
        self.thread.join()


def _blocks(first: bytes, total: int) -> Iterator[bytes]:
    yield first
    block = b"x" * MB
    for _ in range((total - len(first)) // MB):
        yield block


def _send(port: int, head: str, blocks: Iterator[bytes], chunked: bool) -> tuple[int, int]:
    """Stream a request; stop when the server answers. Returns (status, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sent = 0
    try:
        sock.sendall(head.encode("ascii"))
        for block in blocks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered early
            sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block)
            sent += len(block)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    sock.settimeout(30)
    data = b""
    try:
        while b"\r\n" not in data:
            part = sock.recv(4096)
            if not part:
                break
            data += part
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    assert data.startswith(b"HTTP/1.1 "), f"no response after {sent:,} bytes: {data[:100]!r}"
    return int(data.split()[1]), sent


@pytest.fixture(scope="module")
def served(tmp_path_factory, review_path, embedder):
    settings = indexed_review(tmp_path_factory.mktemp("memory"), review_path, embedder)
    port = free_port()
    env = {**os.environ, "CITEQA_CORPUS_DIR": str(settings.corpus_dir)}
    citeqa = Path(sys.executable).parent / "citeqa"
    proc = subprocess.Popen([str(citeqa), "serve", "--index", str(settings.index_dir), "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=url, timeout=60) as http:  # warm up: allocations of a first answer
            for _ in range(5):
                assert http.post("/v1/ask", json={"question": "epcoritamab post-CAR-T CR rate"}).status_code == 200
        yield proc, port, url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


JSON_HEAD = "POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
UPLOAD_HEAD = "POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
PART = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'


@pytest.mark.parametrize(
    ("name", "head", "first", "chunked"),
    [
        ("json, Content-Length", JSON_HEAD + f"Content-Length: {BODY}\r\n\r\n", b'{"question": "', False),
        ("json, chunked", JSON_HEAD + "Transfer-Encoding: chunked\r\n\r\n", b'{"question": "', True),
        ("upload, Content-Length", UPLOAD_HEAD + f"Content-Length: {BODY}\r\n\r\n", PART, False),
        ("upload, chunked", UPLOAD_HEAD + "Transfer-Encoding: chunked\r\n\r\n", PART, True),
    ],
    ids=["json-length", "json-chunked", "upload-length", "upload-chunked"],
)
def test_200_mb_body_is_refused_without_memory_growth(served, name, head, first, chunked):
    proc, port, url = served
    before = _rss(proc.pid)
    with Peak(proc.pid) as peak:
        status, sent = _send(port, head, _blocks(first, BODY), chunked)
    growth = peak.peak - before
    print(f"{name}: {status} after {sent / MB:.1f} MB sent; RSS {before / MB:.0f} MB, peak +{growth / MB:.1f} MB")
    assert status == 413
    assert growth < GROWTH_LIMIT, f"{name}: RSS grew by {growth / MB:.1f} MB"
    with httpx.Client(base_url=url) as http:  # the service still answers, and the corpus is unchanged
        assert http.get("/v1/documents").json()["count"] == 1
        assert http.get("/v1/jobs").json()["count"] == 0
