"""Intervals and calibration noise: the resampled figures agree with the plain ones, are
repeatable, and tell a well-calibrated scorer from a badly calibrated one."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from lurewatch.evaluate.metrics import calibration_bins, expected_calibration_error, macro_f1
from lurewatch.evaluate.uncertainty import bootstrap_intervals, calibration_noise


def _scored_set(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Risks with ties (rounded to two decimals) and labels drawn from them."""
    rng = np.random.default_rng(seed)
    risks = np.round(rng.beta(0.6, 0.6, size=n), 2)
    return (rng.random(n) < risks).astype(int), risks


@pytest.mark.parametrize("bins", [5, 10, 20])
def test_ece_is_the_bin_by_bin_sum_of_the_reliability_table(bins: int) -> None:
    y, s = _scored_set(200, 3)
    by_bins = sum(b.count / len(y) * abs(b.hostile_rate - b.mean_risk)
                  for b in calibration_bins(list(y), list(s), bins) if b.count)
    assert expected_calibration_error(list(y), list(s), bins) == pytest.approx(by_bins,
                                                                               abs=1e-12)


def test_intervals_bracket_the_point_figures_and_repeat() -> None:
    y, s = _scored_set(120, 4)
    flagged = (s >= 0.5).astype(int)
    first = bootstrap_intervals(y, s, flagged, bins=10, resamples=400)
    assert first == bootstrap_intervals(y, s, flagged, bins=10, resamples=400)
    low, high = first["roc_auc"]
    assert low < roc_auc_score(y, s) < high
    low, high = first["macro_f1"]
    assert low < macro_f1(list(y), list(flagged)) < high
    # the ECE interval sits around (and, being biased upward, mostly above) the point ECE
    assert first["ece"][1] > expected_calibration_error(list(y), list(s), 10)


def test_intervals_narrow_as_the_set_grows() -> None:
    small = bootstrap_intervals(*_triple(60), bins=10, resamples=300)
    large = bootstrap_intervals(*_triple(2000), bins=10, resamples=300)
    for name in ("roc_auc", "macro_f1", "ece"):
        assert large[name][1] - large[name][0] < small[name][1] - small[name][0]


def _triple(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, s = _scored_set(n, 5)
    return y, s, (s >= 0.5).astype(int)


def test_one_class_set_has_no_auc_or_macro_f1_interval() -> None:
    risks = np.array([0.1, 0.2, 0.05, 0.7])
    out = bootstrap_intervals(np.zeros(4, dtype=int), risks, (risks >= 0.5).astype(int),
                              bins=10, resamples=50)
    assert out["roc_auc"] is None and out["macro_f1"] is None
    assert out["malicious_f1"] is None
    assert out["flagged_rate"] is not None and out["flagged_rate"][1] <= 1.0


def test_calibration_noise_separates_calibrated_from_overconfident() -> None:
    y, s = _scored_set(300, 6)
    calibrated = calibration_noise(s, expected_calibration_error(list(y), list(s)), 10,
                                   draws=400)
    assert calibrated["p_value"] > 0.05
    assert 0 < calibrated["median"] < calibrated["p95"]
    # the same risks, every conversation benign: far worse than noise
    wrong = calibration_noise(s, expected_calibration_error([0] * len(s), list(s)), 10,
                              draws=400)
    assert wrong["p_value"] == 0.0


def test_calibration_noise_on_an_empty_set() -> None:
    assert calibration_noise([], None, 10)["median"] is None
