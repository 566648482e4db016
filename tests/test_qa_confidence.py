"""An answer's confidence: the calibrated probability that it is right (qa/confidence.py)."""

from __future__ import annotations

import json
import logging

import pytest
from citeqa.qa import confidence
from citeqa.qa.answer import Answer, RankedFigure, Value
from citeqa.qa.confidence import (
    RAW,
    AnswerKind,
    ConfidenceCalibration,
    ConfidenceFileError,
    Platt,
    kind_of,
    load_calibration,
    shipped_calibration,
)


def _answer(**fields) -> Answer:
    return Answer("q", "a", **fields)


def test_each_way_of_answering_has_its_kind():
    assert kind_of(_answer(value=Value(35.0, "%"))) is AnswerKind.figure
    assert kind_of(_answer(values=[Value(4.4, "months"), Value(7.0, "months")], conflict=True)) is AnswerKind.figure
    assert kind_of(_answer()) is AnswerKind.sentence
    assert kind_of(_answer(value=Value(39.0, "%"), ranking=[RankedFigure("epcoritamab", None, 0)])) is AnswerKind.comparison
    assert kind_of(_answer(abstained=True, reason="not reported")) is AnswerKind.abstention
    assert kind_of(_answer(choice="ciprofloxacin")) is AnswerKind.choice


def test_a_calibration_maps_each_kind_by_its_own_fit_and_leaves_other_kinds_raw():
    calibration = ConfidenceCalibration({AnswerKind.sentence: Platt(1.0, 2.0)})
    sentence, figure = _answer(confidence=0.5), _answer(value=Value(35.0, "%"), confidence=0.5)
    assert calibration.confidence(sentence) == pytest.approx(0.881, abs=1e-3)  # sigmoid(0 + 2)
    assert calibration.confidence(figure) == 0.5
    assert RAW.confidence(sentence) == 0.5


def test_platt_keeps_the_order_of_raw_scores_and_stays_a_probability():
    platt = Platt(0.8, -0.3)
    out = [platt(raw) for raw in (0.0, 0.1, 0.5, 0.9, 1.0)]
    assert out == sorted(out) and 0.0 < out[0] and out[-1] < 1.0


def test_a_saved_calibration_reads_back(tmp_path):
    calibration = ConfidenceCalibration({AnswerKind.figure: Platt(1.5, -0.2)}, {"note": "x"})
    calibration.save(tmp_path / "c.json")
    assert load_calibration(tmp_path / "c.json") == calibration


@pytest.mark.parametrize("content", ["{", json.dumps({"by_kind": {"guess": [1, 0]}}), json.dumps({"kinds": {}})])
def test_an_unreadable_calibration_names_its_file_and_the_fix(tmp_path, content):
    path = tmp_path / "confidence.json"
    path.write_text(content)
    with pytest.raises(ConfidenceFileError, match=f"{path}.*citeqa train --model confidence"):
        load_calibration(path)


def test_without_its_file_answers_keep_their_raw_scores_and_say_so_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(confidence, "SHIPPED", tmp_path / "missing.json")
    shipped_calibration.cache_clear()
    try:
        with caplog.at_level(logging.ERROR, logger="citeqa.qa.confidence"):
            assert shipped_calibration() is RAW and shipped_calibration() is RAW
        assert len(caplog.records) == 1 and "missing.json" in caplog.records[0].getMessage()
    finally:
        shipped_calibration.cache_clear()


def test_the_shipped_calibration_covers_the_common_kinds():
    shipped = shipped_calibration()
    assert {AnswerKind.figure, AnswerKind.sentence, AnswerKind.abstention} <= set(shipped.by_kind)
    validation = shipped.report["validation"]["all"]
    assert validation["ece"] <= 0.10 < validation["ece_raw"]


def test_the_engine_reports_the_calibrated_probability_of_its_answer(tmp_path):
    from citeqa.index.testing import HashEmbedder
    from helpers import engine_over

    texts = {"trial.txt": "Results\n\nIn the trial, 42 patients received zelatamab; the response rate was 35%.\n"}
    engine = engine_over(tmp_path, texts, HashEmbedder())
    question = "What was the response rate with zelatamab?"
    engine.calibration = RAW
    raw = engine.ask(question)
    engine.calibration = ConfidenceCalibration({AnswerKind.figure: Platt(1.0, -1.0)})
    calibrated = engine.ask(question)
    assert raw.answer == calibrated.answer and raw.value is not None
    assert calibrated.confidence == round(Platt(1.0, -1.0)(raw.confidence), 3) < raw.confidence
