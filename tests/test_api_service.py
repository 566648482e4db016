"""HTTP API tests over the real bundled corpus, with a fake engine (no embedding model): fast.

Every endpoint, every error case, the upload → ask → delete cycle, API-key 403, 413, 415,
422 (index and corpus unchanged), 409, readiness, and reads during a concurrent upload.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from citeqa.api.app import create_app
from citeqa.api.manager import EngineManager
from citeqa.api.testing import FakeEngine, ServerThread, build_fake_engine, fake_engine_factory, fake_manager
from citeqa.settings import Settings
from helpers import snapshot

WAIT = {"wait": 60}
NEW_DOC = (
    "Zanubrutinib in relapsed mantle cell lymphoma\n\n"
    "Results\n\n"
    "In the phase 2 BRUIN-Z cohort of 86 patients, the overall response rate with zanubrutinib was 84% "
    "and the complete response rate was 78% at the primary analysis.\n"
)


def _corpus(root: Path, review_path: Path) -> Settings:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    shutil.copyfile(review_path, corpus / "review.txt")
    return Settings(corpus_dir=corpus, index_dir=root / "index", api_key=None)


@pytest.fixture(scope="module")
def ro(tmp_path_factory, review_path):
    """A read-only client shared by the module: one index build."""
    settings = _corpus(tmp_path_factory.mktemp("ro"), review_path)
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    with TestClient(create_app(settings, manager=fake_manager(settings, engine))) as client:
        yield client


@pytest.fixture
def rw(tmp_path, review_path):
    """A client over its own corpus copy, for tests that change the corpus."""
    settings = _corpus(tmp_path, review_path)
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    app = create_app(settings, manager=fake_manager(settings, engine))
    with TestClient(app) as client:
        client.settings = settings  # type: ignore[attr-defined]
        yield client


# --- health --------------------------------------------------------------------------


def test_healthz(ro):
    assert ro.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_counts(ro):
    body = ro.get("/readyz").json()
    assert body["ready"] is True and body["documents"] == 1 and body["chunks"] > 10
    assert body["model"] == "test-hash-embedder"


def test_not_ready_is_503_not_500(tmp_path):
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "missing")
    with TestClient(create_app(settings)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        assert "missing" in ready.json()["error"]
        assert str(tmp_path) not in ready.text  # no absolute paths (CITEQA_SHOW_PATHS shows them)
        assert client.get("/healthz").status_code == 200
        assert client.post("/v1/ask", json={"question": "CR rate?"}).status_code == 503
        assert client.get("/v1/search", params={"q": "x"}).status_code == 503
        assert client.get("/v1/documents").status_code == 503


# --- ask -----------------------------------------------------------------------------


def test_ask_returns_the_answer_contract(ro):
    r = ro.post("/v1/ask", json={"question": "epcoritamab post-CAR-T CR rate", "k": 5})
    assert r.status_code == 200
    body = r.json()
    for key in ("question", "answer", "value", "abstained", "reason", "conflict", "confidence", "citations", "passages"):
        assert key in body
    assert body["citations"], body
    cit = body["citations"][0]
    doc = ro.get(f"/v1/passages/{cit['passage_id']}", params={"window": 5000}).json()
    offset = doc["context_start"]
    assert doc["context"][cit["start"] - offset : cit["end"] - offset] == cit["quote"]
    assert len(body["passages"]) <= 5


def test_ask_abstention_passes_through(ro):
    body = ro.post("/v1/ask", json={"question": "unicorn survival rate"}).json()
    assert body["abstained"] is True and body["reason"] == "not_in_corpus"


@pytest.mark.parametrize(
    "payload",
    [
        {"question": ""},
        {"question": "   \n\t "},
        {"question": "x" * 2001},
        {"question": "CR rate?", "k": 0},
        {"question": "CR rate?", "k": 51},
        {"question": "CR rate?", "k": "many"},
        {"question": None},
        {"question": 42},
        {},
        {"question": "CR rate?", "unexpected": 1},
        [],
        "just a string",
    ],
)
def test_ask_rejects_bad_input_with_422(ro, payload):
    r = ro.post("/v1/ask", json=payload)
    assert r.status_code == 422, r.text
    assert "detail" in r.json()


def test_ask_question_of_2000_characters_is_accepted(ro):
    assert ro.post("/v1/ask", json={"question": ("CR rate " * 300)[:2000]}).status_code == 200


@pytest.mark.parametrize("raw", [b"{bad json", b'{"question": "x"', b"\xff\xfe\x00", b""])
def test_ask_malformed_json_is_a_client_error(ro, raw):
    r = ro.post("/v1/ask", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert "detail" in r.json()


# --- search --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_modes(ro, mode):
    r = ro.get("/v1/search", params={"q": "epcoritamab complete response", "k": 4, "mode": mode})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == mode and 1 <= len(body["results"]) <= 4
    ranks = [h["rank"] for h in body["results"]]
    assert ranks == sorted(ranks)
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)
    hit = body["results"][0]
    for key in ("passage_id", "doc_id", "text", "section", "page", "references", "start", "end"):
        assert key in hit


def test_search_returns_cited_reference_text(ro):
    body = ro.get("/v1/search", params={"q": "Epcoritamab phase 1/2 study CAR T CR", "k": 10, "mode": "bm25"}).json()
    refs = [r for h in body["results"] for r in h["references"]]
    assert any(r["number"] == 21 and "Thieblemont" in r["text"] for r in refs)


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x", "k": 0}, {"q": "x", "k": 51}, {"q": "x", "mode": "fuzzy"}, {"q": "x" * 2001}, {"q": "x", "k": "a"}],
)
def test_search_rejects_bad_input(ro, params):
    r = ro.get("/v1/search", params=params)
    assert r.status_code == 422, r.text
    assert "detail" in r.json()


# --- passages, documents, references -------------------------------------------------


def test_passage_with_context_and_neighbours(ro):
    hit = ro.get("/v1/search", params={"q": "median duration of response 9.7 months", "mode": "bm25"}).json()["results"][0]
    body = ro.get(f"/v1/passages/{hit['passage_id']}", params={"window": 50}).json()
    assert body["passage_id"] == hit["passage_id"]
    assert body["context_start"] == max(0, body["start"] - 50)
    s = body["start"] - body["context_start"]
    assert body["context"][s : s + len(body["source_text"])] == body["source_text"]
    assert body["previous"] is not None or body["next"] is not None


def test_unknown_ids_are_404(ro):
    assert ro.get("/v1/passages/nope:123").status_code == 404
    assert ro.get("/v1/documents/nope").status_code == 404
    assert ro.get("/v1/references/nope/1").status_code == 404
    assert ro.get("/v1/references/review/999").status_code == 404
    assert ro.get("/v1/passages/x", params={"window": -1}).status_code == 422
    assert ro.get("/v1/references/review/abc").status_code == 422


def test_documents(ro):
    listing = ro.get("/v1/documents").json()
    assert listing["count"] == 1
    doc = listing["documents"][0]
    assert doc["doc_id"] == "review" and doc["kind"] == "txt" and doc["chunk_count"] > 10
    assert len(doc["sha256"]) == 64 and doc["added_at"]
    assert "CAR T-cell" in doc["title"]
    detail = ro.get("/v1/documents/review").json()
    assert detail["reference_count"] >= 20 and any(t.startswith("Table 2") for t in detail["tables"])


def test_reference_and_citing_passages(ro):
    body = ro.get("/v1/references/review/21").json()
    assert "Epcoritamab" in body["reference"]["text"] and body["reference"]["number"] == 21
    assert body["cited_by"] and all(c["passage_id"] for c in body["cited_by"])


def test_openapi_and_page(ro):
    spec = ro.get("/openapi.json").json()
    for path in ("/v1/ask", "/v1/search", "/v1/passages/{passage_id}", "/v1/documents", "/v1/documents/{doc_id}",
                 "/v1/references/{doc_id}/{number}", "/healthz", "/readyz"):
        assert path in spec["paths"], path
    assert ro.get("/docs").status_code == 200
    schemas = spec["components"]["schemas"]
    assert schemas["Verdict"]["enum"] == ["yes", "no", "unclear"]
    assert schemas["Direction"]["enum"] == ["increased", "decreased", "no_difference", "unclear"]
    assert {"verdict", "direction", "verdict_confidence", "ranking"} <= set(schemas["AnswerOut"]["properties"])
    page = ro.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "aria-live" in page.text and "innerHTML" not in page.text


# --- upload and delete ---------------------------------------------------------------


def test_upload_ask_delete_cycle(rw):
    before = rw.get("/v1/documents").json()["count"]
    r = rw.post("/v1/documents", files={"file": ("zanubrutinib trial.txt", NEW_DOC.encode(), "text/plain")}, params=WAIT)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    body = r.json()["result"]
    assert body["action"] == "added" and body["documents"] == before + 1
    assert body["reused"] > 0  # the review's chunks were not embedded again
    doc_id = body["doc_id"]
    assert (Path(rw.settings.corpus_dir) / body["filename"]).is_file()
    assert rw.get(f"/v1/documents/{doc_id}").status_code == 200
    hits = rw.get("/v1/search", params={"q": "zanubrutinib BRUIN-Z", "mode": "bm25"}).json()["results"]
    assert hits[0]["doc_id"] == doc_id
    answer = rw.post("/v1/ask", json={"question": "zanubrutinib BRUIN-Z overall response rate"}).json()
    assert answer["citations"][0]["doc_id"] == doc_id

    r = rw.delete(f"/v1/documents/{doc_id}", params=WAIT)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["documents"] == before
    assert not (Path(rw.settings.corpus_dir) / body["filename"]).exists()
    assert rw.get(f"/v1/documents/{doc_id}").status_code == 404
    hits = rw.get("/v1/search", params={"q": "zanubrutinib BRUIN-Z", "mode": "bm25"}).json()["results"]
    assert all(h["doc_id"] != doc_id for h in hits)
    assert rw.delete(f"/v1/documents/{doc_id}").status_code == 404


def test_upload_unsupported_type_is_415(rw):
    before = snapshot(rw.settings)
    for name in ("notes.docx", "noext", "image.png"):
        r = rw.post("/v1/documents", files={"file": (name, b"hello", "application/octet-stream")})
        assert r.status_code == 415, r.text
    assert snapshot(rw.settings) == before


def test_upload_too_large_is_413(tmp_path, review_path):
    settings = _corpus(tmp_path, review_path).model_copy(update={"max_upload_bytes": 100})
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    with TestClient(create_app(settings, manager=fake_manager(settings, engine))) as client:
        before = snapshot(settings)
        r = client.post("/v1/documents", files={"file": ("big.txt", b"word " * 100, "text/plain")})
        assert r.status_code == 413, r.text
        # Far over the limit: refused from the Content-Length header alone.
        r = client.post("/v1/documents", files={"file": ("huge.txt", b"w" * 200_000, "text/plain")})
        assert r.status_code == 413, r.text
        assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.pdf", b"%PDF-1.4\n%garbage that is not a pdf\n"),
        ("empty.txt", b""),
        ("blank.md", b"   \n\n  "),
        ("binary.txt", bytes(range(256)) * 4),
    ],
)
def test_upload_unreadable_file_is_422_and_changes_nothing(rw, name, data):
    before = snapshot(rw.settings)
    docs = rw.get("/v1/documents").json()
    r = rw.post("/v1/documents", files={"file": (name, data, "application/octet-stream")}, params=WAIT)
    assert r.status_code == 422, r.text
    assert r.json()["job"]["state"] == "failed" and r.json()["job"]["error_status"] == 422
    assert name.split(".")[0] in r.json()["detail"]
    assert snapshot(rw.settings) == before
    assert rw.get("/v1/documents").json() == docs


def test_upload_duplicate_name_is_409(rw):
    r = rw.post("/v1/documents", files={"file": ("review.txt", NEW_DOC.encode(), "text/plain")})
    assert r.status_code == 409, r.text


def test_upload_without_file_is_422(rw):
    assert rw.post("/v1/documents").status_code == 422
    assert rw.post("/v1/documents", data={"other": "x"}).status_code == 422


def test_delete_last_document_is_refused(rw):
    before = snapshot(rw.settings)
    assert rw.delete("/v1/documents/review").status_code == 409
    assert snapshot(rw.settings) == before
    assert rw.get("/readyz").json()["documents"] == 1


def test_api_key_guards_writes(tmp_path, review_path):
    settings = _corpus(tmp_path, review_path).model_copy(update={"api_key": "s3cret"})
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    with TestClient(create_app(settings, manager=fake_manager(settings, engine))) as client:
        files = {"file": ("z.txt", NEW_DOC.encode(), "text/plain")}
        assert client.post("/v1/documents", files=files).status_code == 403
        assert client.post("/v1/documents", files=files, headers={"X-API-Key": "wrong"}).status_code == 403
        assert client.delete("/v1/documents/review").status_code == 403
        assert client.delete("/v1/documents/review", headers={"X-API-Key": "nope"}).status_code == 403
        # Reads stay open.
        assert client.get("/v1/documents").status_code == 200
        r = client.post("/v1/documents", files=files, headers={"X-API-Key": "s3cret"}, params=WAIT)
        assert r.status_code == 201, r.text
        doc_id = r.json()["doc_id"]
        assert client.delete(f"/v1/documents/{doc_id}", headers={"X-API-Key": "s3cret"}, params=WAIT).status_code == 200


def test_reads_during_an_upload_see_old_or_new_index(tmp_path, review_path):
    """Readers keep being answered while a slow rebuild runs, and see 1 or 2 documents, never a mix."""
    settings = _corpus(tmp_path, review_path)
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    building = threading.Event()
    swap_at: list[float] = []

    def slow_factory(index, embedder) -> FakeEngine:
        building.set()
        time.sleep(1.0)
        swap_at.append(time.monotonic())
        return fake_engine_factory(index, embedder)

    manager = EngineManager(settings, engine, engine_factory=slow_factory)
    seen: list[tuple[float, int, set[str]]] = []
    began_at: list[tuple[float, int]] = []
    errors: list[str] = []
    stop = threading.Event()
    with ServerThread(create_app(settings, manager=manager)) as server:

        def reader() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while not stop.is_set():
                    began = time.monotonic()
                    docs = http.get("/v1/documents")
                    hits = http.get("/v1/search", params={"q": "response rate zanubrutinib", "k": 50, "mode": "bm25"})
                    if docs.status_code != 200 or hits.status_code != 200:
                        errors.append(f"{docs.status_code} {hits.status_code}")
                        continue
                    ids = {d["doc_id"] for d in docs.json()["documents"]}
                    seen.append((time.monotonic(), len(ids), {h["doc_id"] for h in hits.json()["results"]}))
                    began_at.append((began, len(ids)))

        readers = [threading.Thread(target=reader) for _ in range(3)]
        for t in readers:
            t.start()
        with httpx.Client(base_url=server.url, timeout=60) as http:
            started = time.monotonic()
            r = http.post("/v1/documents", files={"file": ("zanu.txt", NEW_DOC.encode(), "text/plain")}, params=WAIT)
            finished = time.monotonic()
        time.sleep(0.2)
        stop.set()
        for t in readers:
            t.join()
    assert r.status_code == 201, r.text
    assert building.is_set()
    assert not errors, errors
    assert {n for _, n, _ in seen} <= {1, 2}
    during = [s for s in seen if started < s[0] < finished]
    assert len(during) >= 3, "readers were blocked by the upload"
    assert all(n == 1 for t, n, _ in seen if t < swap_at[0]), "a read saw the new index before the swap"
    assert all(n == 2 for t, n in began_at if t > finished)
    assert any(n == 2 for _, n, _ in seen)
    for _, _, doc_ids in seen:
        assert doc_ids <= {"review", "zanu"}


def test_writers_are_serialised(tmp_path, review_path):
    """Two uploads at once both land; the final index holds both."""
    settings = _corpus(tmp_path, review_path)
    engine = build_fake_engine(settings.corpus_dir, settings.index_dir)
    app = create_app(settings, manager=fake_manager(settings, engine))
    results: list[int] = []
    with ServerThread(app) as server:

        def upload(name: str) -> None:
            text = NEW_DOC.replace("BRUIN-Z", f"BRUIN-{name}")
            with httpx.Client(base_url=server.url, timeout=60) as http:
                files = {"file": (f"{name}.txt", text.encode(), "text/plain")}
                results.append(http.post("/v1/documents", files=files, params=WAIT).status_code)

        threads = [threading.Thread(target=upload, args=(n,)) for n in ("alpha", "beta")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with httpx.Client(base_url=server.url) as http:
            ids = {d["doc_id"] for d in http.get("/v1/documents").json()["documents"]}
    assert results == [201, 201]
    assert ids == {"review", "alpha", "beta"}
