"""The support model: its files, its scores, and the training that produces it (tiny known groups)."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest
from citeqa.eval.splits import Part
from citeqa.qa import support_model
from citeqa.qa.support_model import (
    HAND,
    META,
    MODEL_DIR,
    TREES,
    Calibration,
    Feature,
    SupportModelError,
    TreeModel,
    calibration_inputs,
    load_support_model,
    shipped_support_model,
)
from citeqa.eval.calibration import calibration_error
from citeqa.train.support import choose, evaluate, fit
from citeqa.train.support_data import Group

SMALL = ({"num_leaves": 4, "n_estimators": 30, "learning_rate": 0.1},)


def test_the_shipped_model_scores_every_feature_row_as_a_probability():
    model = shipped_support_model()
    assert isinstance(model, TreeModel) and model is load_support_model(MODEL_DIR)
    rows = np.random.default_rng(0).random((40, len(Feature)))
    scores = model.score(rows)
    assert scores.shape == (40,) and ((scores > 0) & (scores < 1)).all()
    raw = model.raw(rows)
    assert list(np.argsort(-scores, kind="stable")[:1]) == list(np.argsort(-raw, kind="stable")[:1])


def test_a_units_probability_grows_with_its_lead_over_the_others():
    calibration = Calibration(scale=1.0, intercept=0.0, lead=1.0)
    alone, close, clear = calibration(np.array([2.0])), calibration(np.array([2.0, 1.9])), calibration(np.array([2.0, 0.0]))
    assert clear[0] > close[0] and clear[0] > alone[0]
    assert calibration_inputs(np.array([3.0, 1.0, 2.0])).tolist() == [[3.0, 1.0], [1.0, -2.0], [2.0, -1.0]]


def _copy_model(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for name in (TREES, META):
        shutil.copy(MODEL_DIR / name, folder / name)
    return folder


@pytest.mark.parametrize(("name", "damage", "message"), [
    (META, lambda text: text.replace('"dense"', '"novelty"'), "field 'features'"),
    (META, lambda text: text.replace('"lead"', '"tilt"'), "not a support model"),
    (META, lambda text: "{not json", "not a support model"),
    (TREES, lambda text: "garbage", "cannot read the support model's trees"),
])
def test_a_model_file_that_does_not_fit_the_code_is_named_with_the_fix(tmp_path, name, damage, message):
    folder = _copy_model(tmp_path)
    path = folder / name
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SupportModelError, match=message) as caught:
        load_support_model(folder)
    assert name in str(caught.value) and "citeqa train --model support" in str(caught.value)


def test_without_its_files_the_engine_ranks_with_the_hand_weights_and_says_so(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(support_model, "MODEL_DIR", tmp_path / "missing")
    monkeypatch.setattr(support_model, "_warned", [])
    with caplog.at_level(logging.ERROR, logger="citeqa.qa.support_model"):
        assert support_model.shipped_support_model() is HAND
        assert support_model.shipped_support_model() is HAND
    assert len(caplog.records) == 1 and "missing" in caplog.records[0].getMessage()


def test_the_hand_weights_score_as_their_weighted_sum():
    row = np.zeros(len(Feature))
    row[Feature.dense], row[Feature.coverage], row[Feature.aim] = 0.5, 1.0, 1.0
    assert HAND.score(row[None, :])[0] == pytest.approx(0.3 * 0.5 + 0.3 * 1.0 - 0.1)


def test_a_saved_model_loads_with_the_same_scores(tmp_path):
    train = _groups(Part.train, 40, 4)
    model = fit(train, SMALL[0])
    model.save(tmp_path / "saved", {"note": "test"})
    loaded = load_support_model(tmp_path / "saved")
    rows = np.vstack([g.features for g in train[:3]])
    assert np.allclose(loaded.score(rows), model.score(rows))
    assert json.loads((tmp_path / "saved" / META).read_text())["report"] == {"note": "test"}


def _groups(part: Part, n: int, seed: int) -> list[Group]:
    """Questions whose answer is mostly (4 in 5) the unit with the highest coverage, else another one;
    dense similarity is noise."""
    rng = np.random.default_rng(seed)
    groups = []
    for i in range(n):
        features = np.zeros((6, len(Feature)))
        features[:, Feature.coverage] = rng.random(6)
        features[:, Feature.dense] = rng.random(6)
        answer = int(np.argmax(features[:, Feature.coverage])) if rng.random() < 0.8 else int(rng.integers(6))
        groups.append(Group(f"{part.value}{i}", "toy", part, features, np.arange(6) == answer))
    return groups


def test_training_learns_which_feature_finds_the_answer():
    train, dev = _groups(Part.train, 80, 1), _groups(Part.dev, 40, 2)
    model, params, tried = choose(train + dev, SMALL)
    assert params == SMALL[0] and tried[0]["dev"]["toy"].answerable == 40
    gain = dict(zip(Feature, model.booster.feature_importance("gain"), strict=True))
    assert gain[Feature.coverage] > 5 * gain[Feature.dense]
    assert evaluate(model, dev).top1 > evaluate(HAND, dev).top1


def test_with_a_judge_the_model_that_answers_best_end_to_end_wins_whatever_its_ranking():
    train, dev = _groups(Part.train, 80, 1), _groups(Part.dev, 40, 2)
    judged = []

    grid = (*SMALL, {"num_leaves": 2, "n_estimators": 5, "learning_rate": 0.1})  # the second ranks worse

    def judge(model):  # a stand-in for asking the dev questions: the second grid entry answers best
        judged.append(model)
        return {"toy": 0.9 if len(judged) == 2 else 0.5}

    model, params, tried = choose(train + dev, grid, judge=judge)
    assert params == grid[1] and model is judged[1]
    assert [t["answers"]["toy"] for t in tried] == [0.5, 0.9]
    assert all(m.calibration != Calibration(1.0, 0.0) for m in judged)  # judged as shipped: calibrated


def test_calibration_error_is_the_weighted_gap_between_confidence_and_accuracy():
    assert calibration_error([0.9, 0.9, 0.1, 0.1], [True, True, False, False]) == pytest.approx(0.1)
    assert calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)


def test_the_probability_of_the_best_unit_follows_how_often_it_is_right():
    """Half the toy questions have no answer: the best unit's probability falls to about a half."""
    train = _groups(Part.train, 120, 3)
    for g in train[::2]:
        g.labels[:] = False
    model = fit(train, SMALL[0])
    best = [model.score(g.features).max() for g in train]
    assert 0.3 < float(np.mean(best)) < 0.6
