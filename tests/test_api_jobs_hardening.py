"""Hostile uploads, cancellable jobs, exact file identities, non-Latin names and a CLI ingest beside a
running service — through the real app, manager, bounded parser and store (with the fast fake engine)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citeqa.api import cli
from citeqa.api.app import create_app
from citeqa.api.testing import build_fake_engine, fake_manager
from citeqa.index.testing import HashEmbedder
from citeqa.settings import Settings
from helpers import snapshot
from hostile_files import page_tree_bomb, text_bomb, word_document

NEW_DOC = (
    b"Zanubrutinib in relapsed mantle cell lymphoma\n\nResults\n\nIn the phase 2 BRUIN-Z cohort of 86 patients, "
    b"the overall response rate with zanubrutinib was 84% and the complete response rate was 78%.\n"
)
WAIT = {"wait": 60}
FINAL = ("done", "failed", "cancelled")


def _settings(root: Path, review_path: Path, **values) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(review_path, corpus / "review.txt")
    return Settings(corpus_dir=corpus, index_dir=root / "index", **values)


def _client(settings: Settings) -> TestClient:
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    return TestClient(create_app(settings, manager=fake_manager(settings, engine)))


def _wait_state(c: TestClient, job_id: str, states: tuple[str, ...], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {states}: {job}")


def _ids(c: TestClient) -> set[str]:
    return {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}


# --- hostile uploads ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "status", "named"),
    [
        ("tree.pdf", page_tree_bomb(), 422, "1,000,000 pages, over the limit of 2,000 pages (CITEQA_MAX_PAGES)"),
        ("dense.pdf", text_bomb(), 422, "page 1 holds 1,000,000 characters"),
        ("letter.pdf", word_document(), 415, "not a PDF: it is a Word document (.docx)"),
    ],
)
def test_a_hostile_or_mislabelled_upload_fails_its_job_naming_why_and_changes_nothing(tmp_path, review_path, name, data, status, named):
    settings = _settings(tmp_path, review_path)
    with _client(settings) as c:
        before = snapshot(settings)
        started = time.monotonic()
        r = c.post("/v1/documents", files={"file": (name, data, "application/pdf")}, params=WAIT)
        assert time.monotonic() - started < 60
        assert r.status_code == status, r.text
        assert named in r.json()["detail"] and name in r.json()["detail"]
        assert r.json()["job"]["state"] == "failed"
        assert snapshot(settings) == before  # corpus folder and index untouched
        answer = c.post("/v1/ask", json={"question": "What was the CR rate with epcoritamab?"})
        assert answer.status_code == 200 and answer.json()["citations"]


# --- cancelling jobs --------------------------------------------------------------------


def test_cancel_a_running_and_a_queued_upload_leaves_nothing(tmp_path, review_path):
    # The text bomb read (limits lifted) keeps the parser busy for seconds: time to cancel it.
    settings = _settings(tmp_path, review_path, max_page_chars=10_000_000)
    with _client(settings) as c:
        before = snapshot(settings)
        running = c.post("/v1/documents", files={"file": ("slow.pdf", text_bomb(), "application/pdf")}).json()
        queued = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}).json()
        _wait_state(c, running["id"], ("parsing",))
        assert c.get(f"/v1/jobs/{queued['id']}").json()["state"] == "queued"

        r = c.delete(f"/v1/jobs/{queued['id']}")
        assert r.status_code == 200 and r.json()["state"] == "cancelled", r.text
        started = time.monotonic()
        r = c.delete(f"/v1/jobs/{running['id']}")
        assert r.status_code == 200 and r.json()["state"] == "cancelled", r.text
        assert time.monotonic() - started < 30

        assert snapshot(settings) == before
        assert _ids(c) == {"review"}
        assert not any(settings.jobs_folder().glob("*/")), "staged files left behind"
        again = c.delete(f"/v1/jobs/{queued['id']}")
        assert again.status_code == 409 and again.json()["job"]["state"] == "cancelled"
        assert c.delete("/v1/jobs/" + "0" * 32).status_code == 404
        # the queue goes on: a later upload is done
        assert c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, params=WAIT).status_code == 201


def test_cancel_needs_write_access(tmp_path, review_path):
    settings = _settings(tmp_path, review_path, api_key="s3cret-key")
    with _client(settings) as c:
        job = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")},
                     headers={"X-API-Key": "s3cret-key"}, params=WAIT).json()
        assert c.delete(f"/v1/jobs/{job['id']}").status_code == 403


# --- exact identities and names ------------------------------------------------------------


def test_delete_by_listed_name_removes_exactly_that_file(tmp_path, review_path):
    settings = _settings(tmp_path, review_path)
    corpus = Path(settings.corpus_dir)
    (corpus / "notes.txt").write_bytes(NEW_DOC)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "notes.txt").write_bytes(b"")  # same base name, empty: not indexed
    with _client(settings) as c:
        listing = c.get("/v1/documents").json()
        assert [u["filename"] for u in listing["unindexed"]] == ["sub/notes.txt"]
        assert {d["path"] for d in listing["documents"]} == {"review.txt", "notes.txt"}

        r = c.delete("/v1/documents/sub/notes.txt", params=WAIT)
        assert r.status_code == 200 and r.json()["result"]["action"] == "removed", r.text
        assert not (corpus / "sub" / "notes.txt").exists()
        assert (corpus / "notes.txt").read_bytes() == NEW_DOC and _ids(c) == {"review", "notes"}

        assert c.delete("/v1/documents/sub/notes.txt").status_code == 404
        assert c.delete("/v1/documents/other/notes.txt").status_code == 404
        r = c.delete("/v1/documents/notes.txt", params=WAIT)  # the indexed file, by its listed name
        assert r.status_code == 200 and r.json()["result"]["action"] == "deleted", r.text
        assert not (corpus / "notes.txt").exists() and _ids(c) == {"review"}
        assert (corpus / "review.txt").exists()


def test_non_latin_file_names_are_kept_as_given(tmp_path, review_path):
    settings = _settings(tmp_path, review_path)
    name = "Überblick–研究.txt"
    with _client(settings) as c:
        r = c.post("/v1/documents", files={"file": (name, NEW_DOC, "text/plain")}, params=WAIT)
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == name and r.json()["doc_id"] == "überblick-研究"
        assert (Path(settings.corpus_dir) / name).read_bytes() == NEW_DOC
        listed = {d["doc_id"]: d["path"] for d in c.get("/v1/documents").json()["documents"]}
        assert listed["überblick-研究"] == name
        assert c.get("/v1/documents/" + quote("überblick-研究")).json()["path"] == name
        assert c.delete("/v1/documents/" + quote(name), params=WAIT).status_code == 200
        assert not (Path(settings.corpus_dir) / name).exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../etc/évaluation.txt", "évaluation.txt"),  # path parts dropped
        ("e\u0301tude.txt", "étude.txt"),  # NFC
        ("invoice\u202etxt.pdf", "invoicetxt.pdf"),  # a right-to-left override is dropped
        ("a<b>:c|?*.md", "a-b-c.md"),  # what file systems or shells misread
    ],
)
def test_upload_names_are_stored_safely(tmp_path, review_path, given, stored):
    settings = _settings(tmp_path, review_path)
    with _client(settings) as c:
        data = NEW_DOC if not stored.endswith(".pdf") else text_bomb(200)
        r = c.post("/v1/documents", files={"file": (given, data, "text/plain")}, params=WAIT)
        assert r.json()["filename"] == stored, r.text
        assert (Path(settings.corpus_dir) / stored).exists()


# --- a second writer ------------------------------------------------------------------------


def test_cli_ingest_beside_a_running_service_is_kept_and_picked_up(tmp_path, review_path, monkeypatch):
    settings = _settings(tmp_path, review_path)
    extra = tmp_path / "incoming" / "cli-doc.txt"
    extra.parent.mkdir()
    extra.write_bytes(NEW_DOC.replace(b"BRUIN-Z", b"CLI-7"))
    monkeypatch.setattr(cli, "make_embedder", lambda settings: HashEmbedder())
    with _client(settings) as c:
        result = CliRunner().invoke(cli.app, ["--index", str(settings.index_dir), "ingest", str(extra), "--no-progress"])
        assert result.exit_code == 0, result.output
        # the service's next change builds on the index the CLI wrote, not on the one it loaded
        r = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, params=WAIT)
        assert r.status_code == 201, r.text
        assert _ids(c) == {"review", "cli-doc", "zanu"}

        extra2 = extra.with_name("second-cli.txt")
        extra2.write_bytes(NEW_DOC.replace(b"BRUIN-Z", b"CLI-8"))
        result = CliRunner().invoke(cli.app, ["--index", str(settings.index_dir), "ingest", str(extra2), "--no-progress"])
        assert result.exit_code == 0, result.output
        deadline = time.monotonic() + 30  # the writer thread follows the index version on disk
        while "second-cli" not in _ids(c) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _ids(c) == {"review", "cli-doc", "zanu", "second-cli"}
