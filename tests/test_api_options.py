"""Multiple-choice ``options`` on ``POST /v1/ask``: the answer's ``choice`` (real engine, slow)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citeqa.api.app import create_app
from citeqa.api.manager import EngineManager
from citeqa.settings import Settings

pytestmark = pytest.mark.slow

QUESTION = "What CR rate did epcoritamab reach after CAR T failure?"


@pytest.fixture(scope="module")
def client(engine, review_index_dir):
    settings = Settings(index_dir=review_index_dir)
    with TestClient(create_app(settings, manager=EngineManager(settings, engine))) as c:
        yield c


def test_choice_is_the_option_a_cited_quote_states(client):
    body = client.post("/v1/ask", json={"question": QUESTION, "options": ["54%", "34%", "9.7 months"]}).json()
    assert body["choice"] == "34%" and not body["abstained"]
    assert any("34" in c["quote"] for c in body["citations"])


def test_no_option_stated_is_insufficient_information(client):
    body = client.post("/v1/ask", json={"question": QUESTION, "options": ["12%", "81%"]}).json()
    assert body["choice"] is None and body["abstained"] and body["reason"] == "insufficient information"


def test_without_options_the_contract_is_unchanged(client):
    body = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert body["choice"] is None and body["value"]["number"] == 34


@pytest.mark.parametrize("options", [["only one"], ["a", " "], ["x" * 501, "b"], [f"o{i}" for i in range(27)]])
def test_bad_options_are_refused(client, options):
    response = client.post("/v1/ask", json={"question": QUESTION, "options": options})
    assert response.status_code == 422
