"""Suite results: the threshold check per suite and part, and detection of the multiple-choice contract."""

from __future__ import annotations

import pytest
from eval_doubles import LegacyEngine, ScriptedEngine

from citeqa.eval.results import SuiteResult, ThresholdsError, check_thresholds, load_anchors, supports_options


def result(**scores) -> SuiteResult:
    return SuiteResult("litqa2", "litqa2 (train)", {"train": {"n": 3, **scores}})


def test_minima_maxima_and_unmeasured():
    bounds = {"litqa2": {"train": {"precision": 0.8, "latency_p95_ms": 100, "accuracy": 0.1}}}
    assert check_thresholds([result(precision=0.9, latency_p95_ms=50, accuracy=None)], bounds) == []
    assert check_thresholds([result(precision=0.7, latency_p95_ms=150, accuracy=0.2)], bounds) == [
        "litqa2.train.precision 0.700 < 0.800", "litqa2.train.latency_p95_ms 150.000 > 100.000"]
    assert check_thresholds([result(precision=0.1)], {"pdf": {"main": {"accuracy": 1}}}) == []  # suite not run


def test_a_misspelt_metric_is_an_error_not_a_pass():
    with pytest.raises(ThresholdsError, match="litqa2.train.precison"):
        check_thresholds([result(precision=0.9)], {"litqa2": {"train": {"precison": 0.8}}})


def test_supports_options_tells_the_contracts_apart():
    assert supports_options(ScriptedEngine({}))
    assert not supports_options(LegacyEngine({}))


def test_bundled_anchors_name_known_metrics():
    from citeqa.eval.report import METRIC_LABELS

    anchors = load_anchors()
    assert {(a.suite, a.metric) for a in anchors} >= {("litqa2", "precision"), ("litqa2", "accuracy")}
    assert all(a.metric in METRIC_LABELS for a in anchors)
    litqa = {a.metric: a.anchor for a in anchors if a.suite == "litqa2"}
    assert litqa == {"precision": 0.852, "accuracy": 0.660}
