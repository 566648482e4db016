"""Browser tests of writes (Debian's chromium driven by Playwright; the fake engine, so no model):

* the cross-site attack — a page on another origin posting a multipart upload with
  ``fetch(..., {mode: "no-cors"})``, which needs no preflight — is refused and the corpus is unchanged;
* the page's upload control adds a document and shows the job's progress, asking for the API key
  when the service has one;
* with a read key, the page asks for it when a read answers 401 and then sends it on every request;
* a page reached under another name (DNS rebinding) is refused;
* ``/docs`` and ``/redoc`` render under their Content-Security-Policy with every request kept on the
  service (no CDN).
"""

from __future__ import annotations

import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from citeqa.api.app import create_app
from citeqa.api.testing import ServerThread, build_fake_engine, fake_manager, free_port
from citeqa.settings import Settings
from conftest import CHROMIUM, CHROMIUM_ARGS
from helpers import CSP_VIOLATION, console_errors, snapshot

pytestmark = pytest.mark.slow

NEW_DOC = (
    "Zanubrutinib in relapsed mantle cell lymphoma\n\nResults\n\nIn the phase 2 BRUIN-Z cohort of 86 patients, "
    "the overall response rate with zanubrutinib was 84% and the complete response rate was 78%.\n"
)
ATTACK = """<!doctype html><title>cute cats</title><script>
const form = new FormData();
form.append("file", new Blob([%(text)s], {type: "text/plain"}), "epcoritamab-update.txt");
fetch(%(target)s + "/v1/documents", {method: "POST", mode: "no-cors", body: form})
  .then(() => { document.title = "sent"; }, (e) => { document.title = "error " + e; });
</script>"""


def _service(root: Path, review_path: Path, **values) -> tuple[Settings, ServerThread]:
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copyfile(review_path, corpus / "review.txt")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", **values)
    engine = build_fake_engine(corpus, settings.index_dir)
    return settings, ServerThread(create_app(settings, manager=fake_manager(settings, engine)))


@pytest.fixture
def attacker(tmp_path):
    """A second web server on another loopback port, serving the attacker's page."""
    site = tmp_path / "site"
    site.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(SimpleHTTPRequestHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site, httpd.server_address[1]
    httpd.shutdown()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["same-site-other-port", "cross-site"])
def test_cross_site_no_cors_upload_is_refused(tmp_path, review_path, browser, attacker, host):
    import json

    settings, server = _service(tmp_path, review_path)
    site, port = attacker
    with server:
        (site / "index.html").write_text(ATTACK % {"text": json.dumps(NEW_DOC), "target": json.dumps(server.url)})
        before = snapshot(settings)
        page = browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "/v1/documents" in r.url else None)
        page.goto(f"http://{host}:{port}/index.html")
        page.wait_for_function("document.title !== 'cute cats'", timeout=30_000)
        assert page.title() == "sent"
        assert requests == [server.url + "/v1/documents"]  # the browser did send it
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/v1/jobs").json()["count"] == 0
            assert http.get("/v1/documents").json()["count"] == 1
            answer = http.post("/v1/ask", json={"question": "zanubrutinib BRUIN-Z overall response rate"}).json()
            assert all(c["doc_id"] == "review" for c in answer["citations"])
        assert snapshot(settings) == before
        page.close()


def _upload(page, server_url: str, text: str, name: str = "zanubrutinib.txt") -> None:
    page.goto(server_url + "/")
    page.get_by_text("Add a document").click()
    page.get_by_label("PDF, text or Markdown file").set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Upload").click()


def test_page_uploads_a_document_and_shows_the_job(tmp_path, review_path, browser):
    settings, server = _service(tmp_path, review_path)
    with server:
        page = browser.new_page()
        _upload(page, server.url, NEW_DOC)
        status = page.locator("#upload-status")
        page.wait_for_function("() => /added|failed/.test(document.getElementById('upload-status').textContent)",
                               timeout=30_000)
        assert status.inner_text().startswith("zanubrutinib.txt: added; the index holds 2 documents")
        assert page.locator("#upload-progress").evaluate("p => p.value === p.max")
        out = Path(__file__).resolve().parent.parent / "test-output"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / "web-upload.png"), full_page=True)
        assert not page.get_by_label("API key").is_visible()
        with httpx.Client(base_url=server.url) as http:
            assert {d["doc_id"] for d in http.get("/v1/documents").json()["documents"]} == {"review", "zanubrutinib"}
        _upload(page, server.url, "   ", name="blank.txt")  # a failing job: its reason is shown
        page.wait_for_function("() => /failed|refused/.test(document.getElementById('upload-status').textContent)",
                               timeout=30_000)
        assert "blank.txt" in status.inner_text() and "empty" in status.inner_text()
        assert "error" in status.get_attribute("class")
        page.close()


def test_page_asks_for_the_api_key_when_one_is_set(tmp_path, review_path, browser):
    settings, server = _service(tmp_path, review_path, api_key="s3cret")
    with server:
        page = browser.new_page()
        page.goto(server.url + "/")
        page.get_by_text("Add a document").click()
        key = page.get_by_label("API key")
        key.wait_for(state="visible")
        key.fill("wrong")
        page.get_by_label("PDF, text or Markdown file").set_input_files(
            files=[{"name": "zanu.txt", "mimeType": "text/plain", "buffer": NEW_DOC.encode()}]
        )
        page.get_by_role("button", name="Upload").click()
        page.wait_for_function("() => /refused/.test(document.getElementById('upload-status').textContent)",
                               timeout=30_000)
        assert "X-API-Key" in page.locator("#upload-status").inner_text()
        key.fill("s3cret")
        page.get_by_role("button", name="Upload").click()
        page.wait_for_function("() => /added/.test(document.getElementById('upload-status').textContent)",
                               timeout=30_000)
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/v1/documents").json()["count"] == 2
        page.close()


def test_docs_render_offline(tmp_path, review_path, browser):
    settings, server = _service(tmp_path, review_path)
    with server:
        page = browser.new_page()
        elsewhere: list[str] = []

        def only_local(route):
            if route.request.url.startswith(server.url):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        errors = console_errors(page)
        page.goto(server.url + "/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        assert page.locator(".opblock").count() >= 10
        assert "/v1/jobs/{job_id}" in page.content()
        assert elsewhere == []
        assert not [e for e in errors if CSP_VIOLATION in e]  # Swagger UI's set-up script ran by its hash
        page.close()


def test_redoc_renders_under_its_policy(tmp_path, review_path, browser):
    settings, server = _service(tmp_path, review_path)
    with server:
        page = browser.new_page()
        errors = console_errors(page)
        page.goto(server.url + "/redoc")
        page.wait_for_selector("h2", timeout=30_000)
        assert page.locator("h2").count() >= 5
        # Only ReDoc's "by Redocly" logo, from its CDN, is blocked; scripts and styles all ran.
        blocked = [e for e in errors if CSP_VIOLATION in e]
        assert all("img-src" in e and "cdn.redoc.ly" in e for e in blocked), blocked
        page.close()


def test_page_asks_for_the_read_key_and_sends_it(tmp_path, review_path, browser):
    settings, server = _service(tmp_path, review_path, read_key="r3ad")
    with server:
        page = browser.new_page()
        errors = console_errors(page)
        page.goto(server.url + "/")
        key = page.get_by_label("Access key")
        assert not key.is_visible()
        box = page.get_by_label("Question or search terms")
        box.fill("epcoritamab post-CAR-T CR rate")
        box.press("Enter")
        key.wait_for(state="visible")
        # the form shows on the 401, the status once its body is read: wait for both
        page.wait_for_function("() => /X-API-Key/.test(document.getElementById('status').textContent)",
                               timeout=30_000)
        assert page.evaluate("document.activeElement.id") == "key"  # focus moved to the key
        key.fill("wrong")
        key.press("Enter")
        page.wait_for_function("() => /wrong X-API-Key/.test(document.getElementById('status').textContent)",
                               timeout=30_000)
        key.wait_for(state="visible")
        key.fill("r3ad")
        page.get_by_role("button", name="Use key").click()  # the question is asked again with the key
        page.wait_for_selector("article.answer", timeout=30_000)
        assert not key.is_visible()
        page.reload()  # the key is kept for the tab: no more asking
        page.get_by_label("Search (ranked passages)").check()
        box.fill("glofitamab CR rate")
        box.press("Enter")
        page.wait_for_selector("li.passage", timeout=30_000)
        assert not key.is_visible()
        _upload(page, server.url, NEW_DOC)  # with only a read key, writes send it too
        page.wait_for_function(
            "() => /added|refused|failed/.test(document.getElementById('upload-status').textContent)", timeout=30_000
        )
        assert "added" in page.locator("#upload-status").inner_text()
        assert not [e for e in errors if CSP_VIOLATION in e]
        page.close()


def test_a_page_reached_under_another_name_is_refused(tmp_path, review_path, browser):
    """DNS rebinding: the browser resolves evil.example to this machine and sends ``Host: evil.example``."""
    settings, server = _service(tmp_path, review_path)
    rebinding = browser.browser_type.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"]
    )
    try:
        with server:
            page = rebinding.new_page()
            refused = page.goto(f"http://evil.example:{server.port}/")
            assert refused is not None and refused.status == 421
            assert "evil.example" in page.content() and "CITEQA_ALLOWED_HOSTS" in page.content()
            ok = page.goto(f"http://localhost:{server.port}/")
            assert ok is not None and ok.status == 200
            page.close()
    finally:
        rebinding.close()
