"""kill -9 of a running service at several points of an upload, a deletion and an index swap, then
a restart: the index loads, no corpus file is left without an index entry, no staging debris is
left, and the interrupted job either finished after the restart or says why it did not.

The service runs in its own process (``tests/serve_fake.py``: the real app, manager, store and
recovery with the fast fake engine); ``CITEQA_CRASH_AT`` makes it SIGKILL itself at a point.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from citeqa.api.testing import free_port
from citeqa.faults import CRASH_ENV
from citeqa.index.store import build_index, load_index
from citeqa.index.testing import HashEmbedder
from citeqa.ingest.pipeline import find_corpus_files
from citeqa.settings import Settings

pytestmark = pytest.mark.slow

SERVE = Path(__file__).resolve().parent / "serve_fake.py"
NEW_DOC = (
    b"Zanubrutinib in relapsed mantle cell lymphoma\n\nResults\n\nIn the phase 2 BRUIN-Z cohort of 86 patients, "
    b"the overall response rate with zanubrutinib was 84% and the complete response rate was 78%.\n"
)


class Service:
    """``serve_fake.py`` over one corpus and index, started and killed at will."""

    def __init__(self, root: Path, review_path: Path) -> None:
        corpus = root / "corpus"
        corpus.mkdir()
        shutil.copyfile(review_path, corpus / "review.txt")
        (corpus / "second.txt").write_bytes(NEW_DOC.replace(b"BRUIN-Z", b"SECOND-2").replace(b"Zanubrutinib", b"Second"))
        self.settings = Settings(corpus_dir=corpus, index_dir=root / "index")
        build_index([corpus], self.settings.index_dir, HashEmbedder())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, crash_at: str | None = None, **settings: str) -> None:
        env = {**os.environ, CRASH_ENV: crash_at or "", **{f"CITEQA_{k.upper()}": v for k, v in settings.items()}}
        args = [sys.executable, str(SERVE), str(self.settings.corpus_dir), str(self.settings.index_dir), str(self.port)]
        self.proc = subprocess.Popen(args, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise TimeoutError("the service did not start")

    def send(self, request) -> None:
        """Send a write that makes the service kill itself: the 202 may or may not get out first."""
        with httpx.Client(base_url=self.url, timeout=30) as http:
            try:
                assert request(http).status_code == 202
            except httpx.TransportError:
                pass

    def died(self) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # never leave a service running after its test
                self.proc.kill()
                self.proc.wait(timeout=30)

    def wait_for_jobs(self, http: httpx.Client) -> list[dict]:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            jobs = http.get("/v1/jobs").json()["jobs"]
            if all(j["state"] in ("done", "failed", "cancelled") for j in jobs):
                return jobs
            time.sleep(0.05)
        raise AssertionError(f"jobs did not finish: {jobs}")

    def check_consistent(self, http: httpx.Client) -> set[str]:
        """Loadable index, corpus == index, no debris; returns the indexed document ids."""
        index = load_index(self.settings.index_dir)
        listing = http.get("/v1/documents").json()
        assert listing["unindexed"] == [], listing["unindexed"]
        corpus_files = {p.name for p in find_corpus_files([self.settings.corpus_dir])}
        assert corpus_files == {Path(d["path"]).name for d in index.manifest["documents"].values()}
        assert not list(Path(self.settings.corpus_dir).glob(".*")), "temporary files left in the corpus folder"
        jobs = self.settings.jobs_folder()
        assert sorted(p.suffix for p in jobs.iterdir()) == [".json"] * len(list(jobs.iterdir())), list(jobs.iterdir())
        live = Path(self.settings.index_dir).resolve()
        kept = {live, jobs, live.parent / ".index.lock", live.parent / ".index.write.lock"}
        hidden = [p.name for p in live.parent.iterdir() if p.name.startswith(".index.") and p not in kept]
        assert hidden == [], hidden
        assert {d["doc_id"] for d in listing["documents"]} == set(index.documents)
        return set(index.documents)


@pytest.fixture
def service(tmp_path, review_path):
    running = Service(tmp_path, review_path)
    yield running
    running.stop()


UPLOAD_POINTS = ["upload:placed", "build:saved", "swap:version-ready", "swap:linked"]


@pytest.mark.parametrize("crash_at", UPLOAD_POINTS)
def test_kill_during_an_upload_then_restart(service, crash_at):
    service.start(crash_at)
    service.send(lambda http: http.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}))
    assert service.died() == -9
    service.start()
    with httpx.Client(base_url=service.url, timeout=30) as http:
        [job] = service.wait_for_jobs(http)
        assert job["state"] == "done" and job["note"] == "resumed after a restart", job
        assert service.check_consistent(http) == {"review", "second", "zanu"}
        again = http.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
        assert again.status_code == 409  # it is indexed: delete it first, and that works
        assert http.delete("/v1/documents/zanu", params={"wait": 30}).status_code == 200
        assert service.check_consistent(http) == {"review", "second"}


def test_kill_while_the_upload_is_received_then_restart(service):
    service.start("upload:received")
    with httpx.Client(base_url=service.url, timeout=30) as http, pytest.raises(httpx.TransportError):
        http.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
    assert service.died() == -9
    service.start()
    with httpx.Client(base_url=service.url, timeout=30) as http:
        jobs = service.wait_for_jobs(http)
        assert [j["state"] for j in jobs] == ["failed"] and "interrupted" in jobs[0]["error"]
        assert service.check_consistent(http) == {"review", "second"}
        r = http.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, params={"wait": 30})
        assert r.status_code == 201, r.text


def test_kill_mid_body_changes_nothing(service):
    service.start()
    with socket.create_connection(("127.0.0.1", service.port)) as sock:
        head = (
            "POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            "Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z.txt\"\r\n\r\n"
        )
        sock.sendall(head.encode() + NEW_DOC)
        time.sleep(0.3)
        service.proc.kill()  # type: ignore[union-attr]
    assert service.died() == -9
    service.start()
    with httpx.Client(base_url=service.url, timeout=30) as http:
        assert service.check_consistent(http) == {"review", "second"}


def test_kill_during_a_deletion_then_restart(service):
    service.start("delete:moved")
    service.send(lambda http: http.delete("/v1/documents/second"))
    assert service.died() == -9
    assert not (Path(service.settings.corpus_dir) / "second.txt").exists()  # moved out, index not yet rebuilt
    service.start()
    with httpx.Client(base_url=service.url, timeout=30) as http:
        jobs = service.wait_for_jobs(http)
        assert jobs[0]["state"] == "done" and jobs[0]["result"]["action"] == "deleted"
        assert service.check_consistent(http) == {"review"}
        assert http.get("/v1/documents/second").status_code == 404


def test_sigterm_during_a_job_stops_within_30_s_and_the_job_resumes_after_a_restart(service):
    import signal

    from hostile_files import text_bomb

    lifted = {"max_page_chars": "10000000"}  # the text bomb is read (for seconds), not refused
    service.start(**lifted)
    with httpx.Client(base_url=service.url, timeout=30) as http:
        job = http.post("/v1/documents", files={"file": ("slow.pdf", text_bomb(), "application/pdf")}).json()
        deadline = time.monotonic() + 30
        while http.get(f"/v1/jobs/{job['id']}").json()["state"] != "parsing" and time.monotonic() < deadline:
            time.sleep(0.05)
    started = time.monotonic()
    service.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
    # uvicorn shuts down (the lifespan stops the job), then re-raises the signal it caught
    assert service.proc.wait(timeout=30) in (0, -signal.SIGTERM)  # type: ignore[union-attr]
    assert time.monotonic() - started < 30
    assert not (Path(service.settings.corpus_dir) / "slow.pdf").exists()
    service.start(**lifted)
    with httpx.Client(base_url=service.url, timeout=30) as http:
        [final] = service.wait_for_jobs(http)
        assert final["id"] == job["id"] and final["note"] == "resumed after a restart", final
        assert final["state"] == "done", final
        assert service.check_consistent(http) == {"review", "second", "slow"}
        longest = max(len(hit["text"]) for hit in http.get("/v1/search", params={"q": "AAAA", "k": 50}).json()["results"])
        assert longest <= 900
