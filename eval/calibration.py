"""Expected calibration error, shared by the trained models' reports."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

BINS = 10
"""Equal-width probability bins."""


def calibration_error(confidence: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray,
                      bins: int = BINS) -> float:
    """Expected calibration error: the gap between confidence and accuracy, averaged over equal-width bins
    (``(low, high]``), weighted by their share of the predictions."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            total += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return round(float(total), 4)
