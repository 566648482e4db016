"""The main HTTP paths against the real engine and model over the bundled corpus (slow).

One app (one model load, one index build) is shared by the module.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from citeqa.api.app import create_app
from helpers import indexed_review, snapshot

pytestmark = pytest.mark.slow

WAIT = {"wait": 120}


def _pdf_bytes(lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=letter)
    y = 740
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 18
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def real(tmp_path_factory, review_path, embedder):
    settings = indexed_review(tmp_path_factory.mktemp("api-real"), review_path, embedder, api_key="k")
    with TestClient(create_app(settings)) as client:  # the lifespan loads the engine once
        client.settings = settings  # type: ignore[attr-defined]
        yield client


def test_ready_with_the_bundled_model(real):
    body = real.get("/readyz").json()
    assert body["ready"] and body["documents"] == 1
    assert "minilm" in body["model"].lower() or "MiniLM" in body["model"]


def test_ask_epcoritamab(real):
    r = real.post("/v1/ask", json={"question": "epcoritamab post-CAR-T CR rate"})
    assert r.status_code == 200
    body = r.json()
    assert body["value"]["number"] == 34 and body["value"]["unit"] == "%"
    assert not body["abstained"] and body["citations"]
    refs = {ref["number"]: ref["text"] for c in body["citations"] for ref in c["references"]}
    assert 21 in refs and "Thieblemont" in refs[21]
    # Every quote is verbatim at its offsets.
    for cit in body["citations"]:
        passage = real.get(f"/v1/passages/{cit['passage_id']}", params={"window": 5000}).json()
        o = passage["context_start"]
        assert passage["context"][cit["start"] - o : cit["end"] - o] == cit["quote"]


def test_ask_abstains_outside_the_corpus(real):
    body = real.post("/v1/ask", json={"question": "What was the CR rate of unicornumab?"}).json()
    assert body["abstained"] is True and body["value"] is None


def test_search_real(real):
    body = real.get("/v1/search", params={"q": "epcoritamab post-CAR-T complete response", "k": 5}).json()
    assert len(body["results"]) == 5
    assert any("pcoritamab" in h["text"] for h in body["results"])
    assert all(h["dense_score"] is not None for h in body["results"])


def test_upload_pdf_ask_delete_with_the_real_engine(real):
    settings = real.settings
    pdf = _pdf_bytes(
        [
            "Acalabrutinib in relapsed marginal zone lymphoma",
            "",
            "Results",
            "In the phase 2 ACE-MZ trial of 43 patients, the overall response rate with",
            "acalabrutinib was 53% and the complete response rate was 13%.",
        ]
    )
    headers = {"X-API-Key": "k"}
    assert real.post("/v1/documents", files={"file": ("acala.pdf", pdf, "application/pdf")}).status_code == 403
    r = real.post("/v1/documents", files={"file": ("acala.pdf", pdf, "application/pdf")}, headers=headers,
                  params=WAIT)
    assert r.status_code == 201, r.text
    body = {**r.json()["result"], "doc_id": r.json()["doc_id"]}
    assert body["documents"] == 2 and body["reused"] > 0 and 0 < body["embedded"] < body["chunks"]
    doc = real.get(f"/v1/documents/{body['doc_id']}").json()
    assert doc["kind"] == "pdf" and doc["pages"] == 1
    hits = real.get("/v1/search", params={"q": "acalabrutinib ACE-MZ marginal zone", "k": 3}).json()["results"]
    assert hits[0]["doc_id"] == body["doc_id"]
    real.post("/v1/ask", json={"question": "acalabrutinib overall response rate in marginal zone lymphoma"})
    r = real.delete(f"/v1/documents/{body['doc_id']}", headers=headers, params=WAIT)
    assert r.status_code == 200, r.text
    assert real.get("/readyz").json()["documents"] == 1
    assert not (Path(settings.corpus_dir) / "acala.pdf").exists()
    again = real.post("/v1/ask", json={"question": "epcoritamab post-CAR-T CR rate"}).json()
    assert again["value"]["number"] == 34


def test_corrupt_pdf_leaves_index_and_corpus_unchanged(real):
    before = snapshot(real.settings)
    r = real.post(
        "/v1/documents",
        files={"file": ("corrupt.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage", "application/pdf")},
        headers={"X-API-Key": "k"},
        params=WAIT,
    )
    assert r.status_code == 422 and "corrupt" in r.json()["detail"]
    assert snapshot(real.settings) == before
