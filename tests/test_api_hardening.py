"""Hardening of the HTTP service with the fake engine (fast): the Host check against DNS rebinding,
security headers, HEAD, read access with a read key, the jobs list behind the API key, writes
beyond loopback, truthful OpenAPI security, ``citeqa serve``'s start-up checks and its uvicorn
timeouts.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import re
import shutil
import socket
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from citeqa.api import cli
from citeqa.api.app import create_app
from citeqa.api.headers import SECURITY_HEADERS
from citeqa.api.hosts import AllowedHosts, HostCheckMiddleware
from citeqa.api.server import TIMEOUT_GRACEFUL_SHUTDOWN, TIMEOUT_KEEP_ALIVE, IdleClosingH11Protocol, uvicorn_options
from citeqa.api.testing import ServerThread, build_fake_engine, fake_manager
from citeqa.index.testing import HashEmbedder
from citeqa.settings import Settings
from helpers import snapshot

NEW_DOC = (
    b"Zanubrutinib in relapsed mantle cell lymphoma\n\nResults\n\nIn the phase 2 BRUIN-Z cohort of 86 patients, "
    b"the overall response rate with zanubrutinib was 84% and the complete response rate was 78%.\n"
)
WAIT = {"wait": 60}
READ_KEY = "r3ad-key"
API_KEY = "wr1te-key"
REBINDING = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000", "Sec-Fetch-Site": "same-origin"}


@pytest.fixture(scope="module")
def base(tmp_path_factory, review_path):
    """Settings over a corpus copy indexed once, and its engine (shared by the read-only tests)."""
    root = tmp_path_factory.mktemp("hardening")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    return settings, build_fake_engine(corpus, settings.index_dir)


@contextmanager
def serving(base, **values):
    """A TestClient over the shared index, with ``values`` changing the settings."""
    settings, engine = base
    settings = settings.model_copy(update=values)
    with TestClient(create_app(settings, manager=fake_manager(settings, engine))) as client:
        client.settings = settings  # type: ignore[attr-defined]
        client.engine = engine  # type: ignore[attr-defined]
        yield client


@contextmanager
def own_corpus(root: Path, review_path: Path, **values):
    """A TestClient over its own corpus copy, for tests that may write."""
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    with serving((Settings(corpus_dir=corpus, index_dir=root / "index"), build_fake_engine(corpus, root / "index")),
                 **values) as client:
        yield client


@pytest.fixture(scope="module")
def client(base):
    with serving(base) as c:
        yield c


# --- Host check (DNS rebinding) ------------------------------------------------------


REBOUND_REQUESTS = [
    ("GET", "/v1/documents", {}),
    ("POST", "/v1/ask", {"json": {"question": "epcoritamab CR rate"}}),
    ("POST", "/v1/documents", {"files": {"file": ("evil.txt", NEW_DOC, "text/plain")}}),
    ("DELETE", "/v1/documents/review", {}),
    ("OPTIONS", "/v1/documents", {}),
    ("GET", "/", {}),
    ("GET", "/static/app.js", {}),
    ("GET", "/docs", {}),
    ("HEAD", "/healthz", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), REBOUND_REQUESTS, ids=[f"{m} {p}" for m, p, _ in REBOUND_REQUESTS])
def test_a_rebound_request_is_refused_before_anything_runs(tmp_path, review_path, method, path, body):
    with own_corpus(tmp_path, review_path) as c:
        before = snapshot(c.settings)
        r = c.request(method, path, headers=REBINDING, **body)
        assert r.status_code == 421, r.text
        if method != "HEAD":
            detail = r.json()["detail"]
            assert "'evil.example'" in detail and "CITEQA_ALLOWED_HOSTS" in detail and "8000" not in detail
        assert c.engine.asked == []  # no question reached the engine
        assert c.get("/v1/jobs").json()["count"] == 0
        assert snapshot(c.settings) == before


@pytest.mark.parametrize(
    "host",
    ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LocalHost", "127.0.0.2", "app.localhost:8000", "localhost."],
)
def test_loopback_names_are_accepted(client, host):
    assert client.get("/v1/documents", headers={"Host": host}).status_code == 200
    assert client.post("/v1/ask", json={"question": "CR rate"}, headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "evil.example", "localhost.evil.example", "127.0.0.1.nip.io", "evil.example@localhost", "local host", "",
        "[::2]:80", "x" * 5000,
    ],
)
def test_other_and_malformed_hosts_are_refused(client, host):
    r = client.get("/v1/documents", headers={"Host": host})
    assert r.status_code == 421, host
    assert len(r.json()["detail"]) < 600  # a long Host is shortened, not echoed


def test_a_request_without_host_is_refused():
    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope)

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    guard = HostCheckMiddleware(app, AllowedHosts.from_settings(Settings()))
    asyncio.run(guard({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send))
    assert reached == [] and sent[0]["status"] == 421
    assert b"without a Host header" in sent[1]["body"]


def test_allowed_hosts_names_wildcards_and_the_bound_address(base):
    with serving(base, allowed_hosts=["qa.example.org", "*.intranet.example"], host="10.1.2.3") as c:
        for host in ("qa.example.org:8000", "QA.Example.Org.", "a.intranet.example", "b.a.intranet.example:80",
                     "10.1.2.3:8000", "localhost"):
            assert c.get("/healthz", headers={"Host": host}).status_code == 200, host
        for host in ("intranet.example", "evilqa.example.org", "qa.example.org.evil.example", "testserver", "10.1.2.4"):
            assert c.get("/healthz", headers={"Host": host}).status_code == 421, host
    with serving(base, allowed_hosts=["qa.example.org"], host="0.0.0.0") as c:
        assert c.get("/healthz", headers={"Host": "0.0.0.0:8000"}).status_code == 421  # a wildcard is not a name


@pytest.mark.parametrize("pattern", ["*", "qa.*.example", "http://qa.example.org", "qa example"])
def test_an_invalid_allowed_host_is_refused_at_start_up(base, pattern):
    settings, engine = base
    with pytest.raises(ValueError, match="CITEQA_ALLOWED_HOSTS"):
        create_app(settings.model_copy(update={"allowed_hosts": [pattern]}), manager=fake_manager(settings, engine))


# --- security headers ----------------------------------------------------------------


def _assert_secured(response, csp: str | None = None) -> None:
    for name, value in SECURITY_HEADERS.items():
        expected = csp if csp is not None and name == "Content-Security-Policy" else value
        assert response.headers.get(name) == expected, (response.request.url, name)


def test_every_kind_of_response_has_the_security_headers(base):
    with serving(base, max_body_bytes=1000, read_key=READ_KEY) as c:
        key = {"X-API-Key": READ_KEY}
        responses = [
            c.get("/"),  # HTML
            c.get("/v1/documents", headers=key),  # JSON
            c.get("/static/app.js"),
            c.get("/static/app.css"),
            c.get("/static/docs/swagger-ui.css"),
            c.get("/openapi.json"),
            c.get("/nowhere"),  # 404
            c.put("/v1/documents"),  # 405
            c.post("/v1/ask", content=b"{", headers={"Content-Type": "application/json", **key}),  # 400
            c.post("/v1/ask", content=b"x" * 5000, headers={"Content-Type": "application/json"}),  # 413
            c.get("/v1/documents"),  # 401
            c.get("/healthz", headers={"Host": "evil.example"}),  # 421
            c.head("/"),
            c.options("/v1/documents"),
        ]
        statuses = [r.status_code for r in responses]
        assert statuses == [200, 200, 200, 200, 200, 200, 404, 405, 400, 413, 401, 421, 200, 204]
        for r in responses:
            _assert_secured(r)
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "frame-ancestors 'none'" in policy


class _Markup(HTMLParser):
    """Scripts, styles and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_page_has_no_inline_script_or_style(client):
    page = client.get("/")
    markup = _Markup()
    markup.feed(page.text)
    scripts = [attrs for tag, attrs in markup.tags if tag == "script"]
    assert scripts and all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    assert not [tag for tag, _ in markup.tags if tag == "style"]
    handlers = [(tag, name) for tag, attrs in markup.tags for name in attrs if name.startswith("on") or name == "style"]
    assert handlers == []
    for attrs in scripts:
        assert client.get(attrs["src"]).headers["content-type"].startswith("text/javascript")
    sheets = [attrs["href"] for tag, attrs in markup.tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    assert sheets and all(client.get(href).headers["content-type"].startswith("text/css") for href in sheets)
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script and "setAttribute(\"style\"" not in script and "eval(" not in script


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_docs_allow_exactly_their_own_inline_script(client):
    docs = client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    assert len(inline) == 1 and "SwaggerUIBundle(" in inline[0]
    policy = docs.headers["content-security-policy"]
    assert f"script-src 'self' {_sha256(inline[0])};" in policy and "unsafe" not in policy
    _assert_secured(docs, csp=policy)
    redoc = client.get("/redoc")
    assert "script-src 'self';" in redoc.headers["content-security-policy"]


# --- HEAD ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/readyz", "/v1/documents", "/v1/documents/review", "/v1/search?q=CR%20rate",
             "/static/app.js", "/docs", "/v1/documents/nope"]
)
def test_head_answers_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content)


def test_head_is_listed_where_get_is(client):
    assert client.options("/healthz").headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.options("/static/app.js").headers["allow"] == "GET, HEAD, OPTIONS"
    r = client.head("/v1/ask")  # POST only
    assert r.status_code == 405 and r.headers["allow"] == "OPTIONS, POST"


# --- read access ---------------------------------------------------------------------


def _reads(c, headers) -> dict[str, int]:
    passage = c.get("/v1/search", params={"q": "CR rate", "k": 1}, headers={"X-API-Key": READ_KEY}).json()
    passage_id = passage["results"][0]["passage_id"]
    requests = {
        "ask": c.post("/v1/ask", json={"question": "epcoritamab CR rate"}, headers=headers),
        "search": c.get("/v1/search", params={"q": "CR rate"}, headers=headers),
        "documents": c.get("/v1/documents", headers=headers),
        "document": c.get("/v1/documents/review", headers=headers),
        "head documents": c.head("/v1/documents", headers=headers),
        "passage": c.get(f"/v1/passages/{passage_id}", headers=headers),
        "reference": c.get("/v1/references/review/21", headers=headers),
        "jobs": c.get("/v1/jobs", headers=headers),
        "job": c.get("/v1/jobs/" + "0" * 32, headers=headers),  # unknown: 404 once allowed
    }
    return {name: r.status_code for name, r in requests.items()}


def test_with_a_read_key_every_read_needs_a_key(base):
    with serving(base, read_key=READ_KEY, api_key=API_KEY) as c:
        allowed = {name: 200 for name in ("ask", "search", "documents", "document", "head documents", "passage",
                                          "reference", "jobs")} | {"job": 404}
        assert _reads(c, {}) == dict.fromkeys(allowed, 401)
        assert _reads(c, {"X-API-Key": "wrong"}) == dict.fromkeys(allowed, 401)
        assert _reads(c, {"X-API-Key": READ_KEY}) == allowed
        assert _reads(c, {"X-API-Key": API_KEY}) == allowed
        r = c.get("/v1/documents")
        assert "missing X-API-Key" in r.json()["detail"] and "CITEQA_READ_KEY" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "APIKey"
        assert "wrong X-API-Key" in c.get("/v1/documents", headers={"X-API-Key": "nope"}).json()["detail"]
        for path in ("/healthz", "/readyz", "/openapi.json", "/", "/static/app.js", "/docs"):
            assert c.get(path).status_code == 200, path
        assert c.get("/v1/documents", headers={"X-API-Key": READ_KEY + "x"}).status_code == 401


def test_without_a_read_key_reads_are_open(client):
    assert set(_reads(client, {}).values()) <= {200, 404}


def test_with_only_an_api_key_the_jobs_list_needs_it(tmp_path, review_path):
    with own_corpus(tmp_path, review_path, api_key=API_KEY) as c:
        job = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")},
                     headers={"X-API-Key": API_KEY}, params=WAIT).json()
        r = c.get("/v1/jobs")
        assert r.status_code == 401 and "CITEQA_API_KEY" in r.json()["detail"] and "zanu" not in r.text
        assert c.get("/v1/jobs", headers={"X-API-Key": "wrong"}).status_code == 401
        assert c.get("/v1/jobs", headers={"X-API-Key": API_KEY}).json()["jobs"][0]["filename"] == "zanu.txt"
        assert c.get(f"/v1/jobs/{job['id']}").json()["state"] == "done"  # one job, by its id, stays readable
        assert c.get("/v1/documents").status_code == 200


def test_with_only_a_read_key_writes_need_it(tmp_path, review_path):
    with own_corpus(tmp_path, review_path, read_key=READ_KEY) as c:
        files = {"file": ("zanu.txt", NEW_DOC, "text/plain")}
        refused = c.post("/v1/documents", files=files)
        assert refused.status_code == 403 and "CITEQA_READ_KEY" in refused.json()["detail"]
        cross = c.post("/v1/documents", files=files, headers={"X-API-Key": READ_KEY, "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        assert c.post("/v1/documents", files=files, headers={"X-API-Key": READ_KEY}, params=WAIT).status_code == 201
        assert c.get("/readyz").json()["writes"] == "read-key"


# --- writes beyond loopback ----------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_beyond_loopback_writes_need_the_api_key(tmp_path, review_path, host):
    with own_corpus(tmp_path, review_path, host=host) as c:
        before = snapshot(c.settings)
        for headers in ({}, {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}):
            r = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")}, headers=headers)
            assert r.status_code == 403 and "CITEQA_API_KEY" in r.json()["detail"] and "loopback" in r.json()["detail"]
            assert c.delete("/v1/documents/review", headers=headers).status_code == 403
        assert snapshot(c.settings) == before
        assert c.get("/readyz").json()["writes"] == "refused"


def test_beyond_loopback_with_the_api_key_writes_work(tmp_path, review_path):
    with own_corpus(tmp_path, review_path, host="0.0.0.0", api_key=API_KEY) as c:
        r = c.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC, "text/plain")},
                   headers={"X-API-Key": API_KEY}, params=WAIT)
        assert r.status_code == 201, r.text


# --- OpenAPI tells the truth about keys ----------------------------------------------


def _security(spec: dict, path: str, method: str) -> list:
    return spec["paths"][path][method].get("security", [])


READ_KEY_ONLY = [{"ReadKey": []}]
API_KEY_ONLY = [{"ApiKey": []}]
EITHER_KEY = [{"ReadKey": []}, {"ApiKey": []}]  # OpenAPI: alternatives


@pytest.mark.parametrize(
    ("keys", "read", "write", "jobs", "job", "schemes"),
    [
        ({}, [], [], [], [], set()),
        ({"api_key": API_KEY}, [], API_KEY_ONLY, API_KEY_ONLY, [], {"ApiKey"}),
        ({"read_key": READ_KEY}, READ_KEY_ONLY, READ_KEY_ONLY, READ_KEY_ONLY, READ_KEY_ONLY, {"ReadKey"}),
        (
            {"api_key": API_KEY, "read_key": READ_KEY},
            EITHER_KEY, API_KEY_ONLY, EITHER_KEY, EITHER_KEY, {"ApiKey", "ReadKey"},
        ),
    ],
    ids=["no-keys", "api-key", "read-key", "both"],
)
def test_openapi_declares_the_keys_each_operation_needs(base, keys, read, write, jobs, job, schemes):
    with serving(base, **keys) as c:
        spec = c.get("/openapi.json").json()
    for path, method in (("/v1/ask", "post"), ("/v1/search", "get"), ("/v1/documents", "get"),
                         ("/v1/passages/{passage_id}", "get"), ("/v1/references/{doc_id}/{number}", "get")):
        assert _security(spec, path, method) == read, path
        assert ("401" in spec["paths"][path][method]["responses"]) == bool(read), path
    assert _security(spec, "/v1/documents", "post") == write
    assert _security(spec, "/v1/documents/{doc_id}", "delete") == write
    assert "401" not in spec["paths"]["/v1/documents"]["post"]["responses"]  # writes are refused with 403
    assert _security(spec, "/v1/jobs", "get") == jobs
    assert ("401" in spec["paths"]["/v1/jobs"]["get"]["responses"]) == bool(jobs)
    assert _security(spec, "/v1/jobs/{job_id}", "get") == job
    assert _security(spec, "/healthz", "get") == [] and _security(spec, "/readyz", "get") == []
    assert set(spec.get("components", {}).get("securitySchemes", {})) == schemes


# --- citeqa serve --------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def no_model(monkeypatch):
    """Any attempt to load the model or the index fails the test loudly."""

    def forbidden(*args, **kwargs):
        raise AssertionError("serve loaded the model or the index before refusing to start")

    monkeypatch.setattr(cli, "make_embedder", forbidden)
    monkeypatch.setattr(cli, "load_engine", forbidden)


def test_settings_refuse_a_non_ascii_api_key():
    with pytest.raises(ValidationError, match="CITEQA_API_KEY"):
        Settings(api_key="clé")
    with pytest.raises(ValidationError, match="CITEQA_READ_KEY contains ' '"):
        Settings(read_key="two words")


def test_an_empty_key_means_no_key(monkeypatch):
    monkeypatch.setenv("CITEQA_API_KEY", "")  # as `CITEQA_API_KEY=` in a compose file
    assert Settings().api_key is None


def test_serve_refuses_a_non_ascii_api_key(no_model, monkeypatch, tmp_path):
    monkeypatch.setenv("CITEQA_API_KEY", "clé-secrète")
    result = runner.invoke(cli.app, ["serve", "--index", str(tmp_path / "index")])
    assert result.exit_code == 2, result.output
    assert "CITEQA_API_KEY" in result.output
    assert not (tmp_path / "index").exists()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5"])
def test_serve_beyond_loopback_needs_allowed_hosts(no_model, monkeypatch, tmp_path, host):
    monkeypatch.delenv("CITEQA_ALLOWED_HOSTS", raising=False)
    result = runner.invoke(cli.app, ["serve", "--host", host, "--index", str(tmp_path / "index")])
    assert result.exit_code == 2, result.output
    assert "CITEQA_ALLOWED_HOSTS" in result.output and "host names clients will use" in result.output
    assert not (tmp_path / "index").exists()


def test_serve_refuses_an_invalid_allowed_host(no_model, monkeypatch, tmp_path):
    monkeypatch.setenv("CITEQA_ALLOWED_HOSTS", "qa.example.org,*")
    result = runner.invoke(cli.app, ["serve", "--index", str(tmp_path / "index")])
    assert result.exit_code == 2 and "CITEQA_ALLOWED_HOSTS" in result.output


def test_serve_beyond_loopback_with_allowed_hosts_runs_with_timeouts(monkeypatch, tmp_path, review_path):
    import uvicorn

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    build_fake_engine(corpus, tmp_path / "index")
    monkeypatch.setattr(cli, "make_embedder", lambda settings: HashEmbedder())
    calls = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.update(app=app, **kwargs))
    monkeypatch.setenv("CITEQA_ALLOWED_HOSTS", "qa.example.org")
    result = runner.invoke(cli.app, ["serve", "--host", "0.0.0.0", "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    assert "uploads and deletions are refused" in result.stderr
    assert calls["host"] == "0.0.0.0" and calls["http"] is IdleClosingH11Protocol
    assert calls["timeout_keep_alive"] == TIMEOUT_KEEP_ALIVE
    assert calls["timeout_graceful_shutdown"] == TIMEOUT_GRACEFUL_SHUTDOWN < 30  # SIGTERM ends within 30 s


# --- over the wire (uvicorn) ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(base):
    settings, engine = base
    options = {**uvicorn_options(), "timeout_keep_alive": 1}
    with ServerThread(create_app(settings, manager=fake_manager(settings, engine)), **options) as running:
        yield running


def _exchange(port: int, request: bytes, delay: float = 0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        time.sleep(delay)
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def test_uvicorn_refuses_rebound_and_hostless_requests(server):
    rebound = _exchange(server.port, b"GET /v1/documents HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert rebound.startswith(b"HTTP/1.1 421 ") and b"CITEQA_ALLOWED_HOSTS" in rebound
    hostless = _exchange(server.port, b"GET /v1/documents HTTP/1.0\r\n\r\n")  # HTTP/1.0 needs no Host
    assert hostless.startswith(b"HTTP/1.1 421 ") and b"without a Host header" in hostless
    ok = _exchange(server.port, b"HEAD /v1/documents HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    head, _, body = ok.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"content-length: " in head.lower() and body == b""


def test_an_idle_connection_that_sends_nothing_is_closed(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server
        assert time.monotonic() - started < 5
    # A client that sends its request in time is served as usual.
    answer = _exchange(server.port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", 0.3)
    assert answer.startswith(b"HTTP/1.1 200 ")


class _QuickHeaders(IdleClosingH11Protocol):
    request_headers_timeout = 1.5  # the test's deadline, instead of TIMEOUT_REQUEST_HEADERS


def test_a_request_whose_headers_trickle_in_is_closed(base):
    settings, engine = base
    options = {**uvicorn_options(), "http": _QuickHeaders}
    with ServerThread(create_app(settings, manager=fake_manager(settings, engine)), **options) as running:
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
            started = time.monotonic()
            closed = False
            for byte in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 40:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.1)  # each byte in time for the keep-alive timer, the whole too slow
            sock.settimeout(5)
            try:
                closed = closed or sock.recv(1) == b""
            except OSError:
                closed = True
            assert closed and time.monotonic() - started < 8
        # headers sent at once, and a second request on the same connection after the first, are served
        connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=10)
        try:
            for _ in range(2):
                connection.request("GET", "/healthz", headers={"Host": "localhost"})
                response = connection.getresponse()
                assert response.status == 200 and response.read() == b'{"status":"ok"}'
                time.sleep(1.0)  # under the keep-alive timeout; the headers deadline starts again
        finally:
            connection.close()
