"""Safety of the HTTP API with the fake engine (fast): cross-origin writes, body limits, inputs that
used to cause 500s, jobs, unindexed corpus files, OPTIONS/405, /readyz paths and offline /docs.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from citeqa.api.app import create_app
from citeqa.api.jobs import JobState
from citeqa.api.testing import ServerThread, build_fake_engine, fake_manager
from citeqa.settings import Settings
from helpers import snapshot

NEW_DOC = (
    b"Zanubrutinib in relapsed mantle cell lymphoma\n\nResults\n\nIn the phase 2 BRUIN-Z cohort of 86 patients, "
    b"the overall response rate with zanubrutinib was 84% and the complete response rate was 78%.\n"
)
WAIT = {"wait": 60}


def _settings(root: Path, review_path: Path, **values) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    shutil.copyfile(review_path, corpus / "review.txt")
    return Settings(corpus_dir=corpus, index_dir=root / "index", **values)


def _app(settings: Settings):
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    return create_app(settings, manager=fake_manager(settings, engine))


@pytest.fixture
def client(tmp_path, review_path):
    settings = _settings(tmp_path, review_path)
    with TestClient(_app(settings)) as c:
        c.settings = settings  # type: ignore[attr-defined]
        yield c


@pytest.fixture(scope="module")
def server(tmp_path_factory, review_path):
    """A real uvicorn server (keep-alive behaviour is the server's)."""
    settings = _settings(tmp_path_factory.mktemp("safety"), review_path, max_body_bytes=256 * 1024)
    with ServerThread(_app(settings)) as running:
        yield running


def _poll(client, job_id: str, timeout: float = 60) -> list[dict]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        seen.append(job)
        if job["state"] in ("done", "failed"):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish: {seen[-1]}")


# --- cross-origin writes -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"},  # another port of the same host
        {"Origin": "http://evil.example"},  # a browser without Sec-Fetch-*
        {"Origin": "null"},  # sandboxed iframes, file:// pages
    ],
)
def test_cross_origin_writes_are_refused_without_a_key(client, headers):
    before = snapshot(client.settings)
    r = client.post("/v1/documents", files={"file": ("evil.txt", NEW_DOC, "text/plain")}, headers=headers)
    assert r.status_code == 403, r.text
    assert "CITEQA_API_KEY" in r.json()["detail"] and "X-API-Key" in r.json()["detail"]
    assert client.delete("/v1/documents/review", headers=headers).status_code == 403
    assert snapshot(client.settings) == before
    assert client.get("/v1/jobs").json()["count"] == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},  # the service's own page
        {"Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},  # typed by the user
    ],
)
def test_same_origin_and_non_browser_writes_are_accepted(client, headers):
    r = client.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, headers=headers, params=WAIT)
    assert r.status_code == 201, r.text


def test_trusted_origin_gets_cors_and_may_write(tmp_path, review_path):
    settings = _settings(tmp_path, review_path, cors_origins=["http://intranet.example"])
    with TestClient(_app(settings)) as c:
        ok = {"Origin": "http://intranet.example", "Sec-Fetch-Site": "cross-site"}
        r = c.get("/v1/documents", headers=ok)
        assert r.headers["access-control-allow-origin"] == "http://intranet.example"
        pre = c.options("/v1/documents", headers={**ok, "Access-Control-Request-Method": "POST"})
        assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
        r = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, headers=ok, params=WAIT)
        assert r.status_code == 201, r.text
        bad = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
        assert "access-control-allow-origin" not in c.get("/v1/documents", headers=bad).headers
        assert c.delete("/v1/documents/zanu", headers=bad).status_code == 403


def test_cors_is_off_by_default(client):
    r = client.get("/v1/documents", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_with_a_key_the_key_decides(tmp_path, review_path):
    settings = _settings(tmp_path, review_path, api_key="s3cret")
    with TestClient(_app(settings)) as c:
        same = {"Sec-Fetch-Site": "same-origin"}
        assert c.post("/v1/documents", files={"file": ("z.txt", NEW_DOC, "text/plain")}, headers=same).status_code == 403
        r = c.post("/v1/documents", files={"file": ("z.txt", NEW_DOC, "text/plain")},
                   headers={"X-API-Key": "s3cret", "Origin": "http://anywhere.example"}, params=WAIT)
        assert r.status_code == 201, r.text
        assert c.get("/readyz").json()["writes"] == "api-key"
        spec = c.get("/openapi.json").json()
        assert spec["components"]["securitySchemes"]["ApiKey"]["name"] == "X-API-Key"
        assert spec["paths"]["/v1/documents"]["post"]["security"] == [{"ApiKey": []}]


def test_openapi_declares_no_key_when_none_is_set(client):
    spec = client.get("/openapi.json").json()
    assert "securitySchemes" not in spec.get("components", {})
    assert "security" not in spec["paths"]["/v1/documents"]["post"]
    assert client.get("/readyz").json()["writes"] == "same-origin"


# --- body limits ---------------------------------------------------------------------


def test_json_body_over_the_limit_is_413_before_parsing(tmp_path, review_path):
    settings = _settings(tmp_path, review_path, max_body_bytes=1000)
    with TestClient(_app(settings)) as c:
        big = b'{"question": "' + b"x" * 5000 + b'"}'
        r = c.post("/v1/ask", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "CITEQA_MAX_BODY_BYTES" in r.json()["detail"]
        assert len(r.content) < 500

        def chunked():  # no Content-Length: counted while it streams
            yield b'{"question": "'
            for _ in range(50):
                yield b"x" * 100
            yield b'"}'

        r = c.post("/v1/ask", content=chunked(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413, r.text
        assert c.post("/v1/ask", json={"question": "epcoritamab CR rate"}).status_code == 200


def test_upload_limit_applies_to_the_upload_route_only(tmp_path, review_path):
    settings = _settings(tmp_path, review_path, max_body_bytes=1000, max_upload_bytes=10_000)
    with TestClient(_app(settings)) as c:
        ok = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC * 20, "text/plain")}, params=WAIT)
        assert ok.status_code == 201, ok.text  # 4 KB: over the JSON limit, under the upload limit
        r = c.post("/v1/documents", files={"file": ("big.txt", b"word " * 4000, "text/plain")})
        assert r.status_code == 413 and "CITEQA_MAX_UPLOAD_BYTES" in r.json()["detail"]

        def chunked():
            yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.txt\"\r\n\r\n"
            for _ in range(200):
                yield b"word " * 200
            yield b"\r\n--b--\r\n"

        r = c.post("/v1/documents", content=chunked(), headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413, r.text
        assert not list(Path(settings.jobs_folder()).glob("*/huge.txt"))


def test_validation_errors_do_not_echo_large_inputs(client):
    r = client.post("/v1/ask", json={"question": "y" * 300_000})
    assert r.status_code == 422
    assert len(r.content) < 1000
    error = r.json()["detail"][0]
    assert error["loc"] == ["body", "question"] and "300,000 characters" in error["input"]
    r = client.post("/v1/ask", json={"question": "x", "k": list(range(100_000))})
    assert r.status_code == 422 and len(r.content) < 1000


# --- inputs that used to cause 500s, on one keep-alive connection ---------------------


BAD_BODIES = [
    (b'{"question": "x", "k": NaN}', 422, "finite"),
    (b'{"question": "x", "k": Infinity}', 422, "finite"),
    (b'{"question": "x", "k": -Infinity}', 422, "finite"),
    (b'{"question": "x", "k": 1e400}', 422, "finite"),
    (b'{"question": "x", "k": true}', 422, "not true/false"),
    (b'{"question": "\\ud800"}', 422, "unicode"),
    (b'{"question": "CR rate \\udfff of epcoritamab"}', 422, "unicode"),
    (b'{"question": "x", "k": ' + b"9" * 5000 + b"}", 400, "digits"),
    (b'{"question": "x", "k": ' + b"9" * 200 + b"}", 422, "an integer too large to show"),
    (b"[" * 50_000 + b"]" * 50_000, 400, "nested"),
    (b'{"question": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}", 400, "nested"),
    (b'{"question": "x"', 400, "malformed JSON"),
    (b"\xff\xfe\x00", 400, "malformed"),
]


def test_bad_inputs_get_4xx_json_and_keep_the_connection(server):
    with httpx.Client(base_url=server.url, limits=httpx.Limits(max_connections=1)) as http:
        ports = set()
        for body, status, words in BAD_BODIES:
            r = http.post("/v1/ask", content=body, headers={"Content-Type": "application/json"})
            assert r.status_code == status, (body[:60], r.text)
            assert words.lower() in r.text.lower(), r.text
            assert r.headers["content-type"] == "application/json"
            ports.add(r.extensions["network_stream"].get_extra_info("client_addr")[1])
        assert http.post("/v1/ask", json={"question": "epcoritamab CR rate"}).status_code == 200
        ports.add(r.extensions["network_stream"].get_extra_info("client_addr")[1])
    assert len(ports) == 1, "the server closed the keep-alive connection"


def test_surrogates_in_query_and_path_are_harmless(server):
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/v1/search", params={"q": "CR \ud800 rate".encode("utf-8", "surrogatepass")}).status_code < 500
        assert http.get("/v1/passages/%ED%A0%80").status_code == 404
        assert http.get("/v1/documents/%ED%A0%80").status_code == 404


# --- OPTIONS, 405, readyz, docs ------------------------------------------------------


def test_options_and_405_list_every_method(client):
    r = client.options("/v1/documents")
    assert r.status_code == 204 and r.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/v1/documents/review").headers["allow"] == "DELETE, GET, HEAD, OPTIONS"
    assert client.options("/v1/ask").headers["allow"] == "OPTIONS, POST"
    assert client.options("/nowhere").status_code == 404
    r = client.put("/v1/documents")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert "GET, POST" in r.json()["detail"]


def test_readyz_hides_paths_unless_asked(tmp_path, review_path, client):
    body = client.get("/readyz").json()
    assert body["index_dir"] == "index" and str(tmp_path) not in str(body)
    docs = client.get("/v1/documents").json()["documents"]
    assert docs[0]["path"] == "review.txt"
    settings = _settings(tmp_path / "shown", review_path, show_paths=True)
    with TestClient(_app(settings)) as c:
        assert c.get("/readyz").json()["index_dir"] == str(settings.index_dir)
        assert c.get("/v1/documents").json()["documents"][0]["path"].startswith(str(tmp_path))


def test_openapi_lists_400_413_and_503(client):
    paths = client.get("/openapi.json").json()["paths"]
    ask = paths["/v1/ask"]["post"]["responses"]
    assert {"200", "400", "413", "422", "503"} <= set(ask)
    upload = paths["/v1/documents"]["post"]["responses"]
    assert {"201", "202", "400", "403", "409", "413", "415", "422", "503"} <= set(upload)
    for path in ("/v1/search", "/v1/documents", "/v1/passages/{passage_id}", "/v1/references/{doc_id}/{number}"):
        assert "503" in paths[path]["get"]["responses"], path
    assert "/v1/jobs/{job_id}" in paths


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "/static/docs/swagger-ui-bundle.js" in page
    asset = client.get("/static/docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 500_000
    assert client.get("/static/docs/swagger-ui.css").status_code == 200
    assert "cdn" not in client.get("/redoc").text.lower()


# --- jobs ----------------------------------------------------------------------------


def test_upload_is_a_job_with_progress(client):
    r = client.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/v1/jobs/{job['id']}" and job["kind"] == "upload"
    seen = _poll(client, job["id"])
    final = seen[-1]
    assert final["state"] == "done", final
    assert final["result"]["action"] == "added" and final["doc_id"] == "zanu"
    assert final["embedded"] == final["to_embed"] > 0
    assert {s["state"] for s in seen} <= {"queued", "parsing", "embedding", "indexing", "done"}
    assert client.get("/v1/documents/zanu").status_code == 200
    listed = client.get("/v1/jobs").json()
    assert listed["jobs"][0]["id"] == job["id"]
    # The job is reported done before its staged copy is removed (a crash in between must not
    # turn a finished upload into a failed one), so the removal may lag the state by a moment.
    staging = Path(client.settings.jobs_folder()) / job["id"]
    deadline = time.monotonic() + 10
    while staging.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not staging.exists()  # staging removed


def test_failed_job_names_the_file_and_changes_nothing(client):
    before = snapshot(client.settings)
    r = client.post("/v1/documents", files={"file": ("broken.pdf", b"%PDF-1.4\n%not a pdf", "application/pdf")})
    assert r.status_code == 202
    final = _poll(client, r.json()["id"])[-1]
    assert final["state"] == "failed" and final["error_status"] == 422 and "broken.pdf" in final["error"]
    assert final["message"].startswith("failed: ")
    assert snapshot(client.settings) == before


def test_unknown_jobs_are_404(client):
    assert client.get("/v1/jobs/nope").status_code == 404
    assert client.get("/v1/jobs/" + "0" * 32).status_code == 404
    assert client.get("/v1/jobs", params={"limit": 0}).status_code == 422


def test_same_name_twice_in_flight_is_409(client):
    first = client.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
    second = client.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
    assert first.status_code == 202
    assert second.status_code == 409, second.text
    _poll(client, first.json()["id"])


def test_a_job_queued_before_a_restart_is_resumed(tmp_path, review_path):
    settings = _settings(tmp_path, review_path)
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    manager = fake_manager(settings, engine)
    job, staged = manager.begin_upload("zanu.txt")  # accepted, then the process died before running it
    staged.write_bytes(NEW_DOC)
    manager.jobs.update(job, state=JobState.queued)
    with TestClient(_app(settings)) as c:  # a new process: a new manager over the same folders
        final = _poll(c, job.id)[-1]
        assert final["state"] == "done" and final["note"] == "resumed after a restart"
        assert c.get("/v1/documents/zanu").status_code == 200


# --- corpus files missing from the index ---------------------------------------------


def test_unindexed_corpus_file_is_reported_removable_and_never_indexed_silently(tmp_path, review_path):
    settings = _settings(tmp_path, review_path)
    app = _app(settings)
    corpus = Path(settings.corpus_dir)
    (corpus / "stray.txt").write_bytes(NEW_DOC.replace(b"BRUIN-Z", b"STRAY-1"))  # e.g. copied in by hand
    with TestClient(app) as c:  # the stray file is found at start-up
        listing = c.get("/v1/documents").json()
        assert [u["filename"] for u in listing["unindexed"]] == ["stray.txt"]
        assert "citeqa ingest" in listing["unindexed"][0]["reason"]
        assert c.get("/readyz").json()["unindexed"] == 1
        again = c.post("/v1/documents", files={"file": ("stray.txt", NEW_DOC, "text/plain")})
        assert again.status_code == 409 and "not indexed" in again.json()["detail"]
        other = c.post("/v1/documents", files={"file": ("other.txt", NEW_DOC, "text/plain")}, params=WAIT)
        assert other.status_code == 201
        ids = {d["doc_id"] for d in c.get("/v1/documents").json()["documents"]}
        assert ids == {"review", "other"}, "an unrelated upload indexed the stray file"
        r = c.delete("/v1/documents/stray.txt", params=WAIT)
        assert r.status_code == 200 and r.json()["result"]["action"] == "removed"
        assert not (corpus / "stray.txt").exists()
        assert c.get("/v1/documents").json()["unindexed"] == []


def test_a_client_gone_mid_upload_leaves_no_job_and_no_file(server):
    import socket

    with httpx.Client(base_url=server.url) as http:
        jobs_before = http.get("/v1/jobs").json()["count"]
        docs_before = http.get("/v1/documents").json()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(
            b"POST /v1/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 50000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gone.txt\"\r\n\r\n"
            + NEW_DOC
        )
    time.sleep(0.5)
    with httpx.Client(base_url=server.url) as http:
        assert http.get("/v1/jobs").json()["count"] == jobs_before
        assert http.get("/v1/documents").json() == docs_before


def test_a_client_that_does_not_wait_still_gets_its_document(client):
    r = client.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")})
    job_id = r.json()["id"]  # the client goes away here; the job does not
    deadline = time.monotonic() + 30
    while client.get("/v1/documents/zanu").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get(f"/v1/jobs/{job_id}").json()["state"] == "done"
