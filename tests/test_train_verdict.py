"""The verdict trainer's measures and its command line (no training run: that is `make train`)."""

from __future__ import annotations

import numpy as np
from citeqa.api import cli
from citeqa.eval.calibration import calibration_error
from typer.testing import CliRunner


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    confidence = np.array([0.8] * 10)
    correct = np.array([1.0] * 8 + [0.0] * 2)
    assert calibration_error(confidence, correct) == 0.0


def test_calibration_error_measures_overconfidence():
    confidence = np.array([0.95] * 10)
    correct = np.array([1.0] * 5 + [0.0] * 5)
    assert abs(calibration_error(confidence, correct) - 0.45) < 1e-9


def test_evaluate_refuses_the_train_part(tmp_path):
    shared = tmp_path / "benchmarks"
    (shared / "evidence-inference").mkdir(parents=True)
    (shared / "pubmedqa").mkdir()
    result = CliRunner().invoke(cli.app, ["train", "--benchmarks", str(shared), "--evaluate", "train"])
    assert result.exit_code != 0
    assert "--evaluate 'train'" in result.output and "dev or validation" in result.output


def test_train_names_the_missing_data_folder(tmp_path):
    result = CliRunner().invoke(cli.app, ["train", "--benchmarks", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "nowhere" in result.output and "evidence-inference" in result.output
