"""Metrics on small cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lurewatch.evaluate.metrics import (
    binary_summary,
    calibration_bins,
    ece_of_arrays,
    expected_calibration_error,
    macro_f1,
    malicious_f1,
    pr_auc,
    recall_at_fpr,
    roc_auc,
)


def test_roc_auc_counts_ordered_pairs() -> None:
    # hostile scores 0.9, 0.4; benign 0.5, 0.1: 3 of the 4 (hostile, benign) pairs are in order.
    assert roc_auc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == pytest.approx(0.75)


def test_auc_undefined_with_one_class() -> None:
    assert roc_auc([0, 0, 0], [0.1, 0.5, 0.9]) is None
    assert pr_auc([1, 1], [0.1, 0.5]) is None


def test_pr_auc_is_average_precision() -> None:
    # ranking: H(0.9) B(0.5) H(0.4) B(0.1): precision at the hits 1/1 and 2/3 -> mean 5/6.
    assert pr_auc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == pytest.approx(5 / 6)


def test_f1_scores_by_hand() -> None:
    y = [1, 1, 1, 0, 0, 0, 0]
    flagged = [1, 1, 0, 1, 0, 0, 0]
    # hostile: tp 2, fp 1, fn 1 -> P 2/3 R 2/3 F1 2/3; benign: tp 3, fp 1, fn 1 -> F1 3/4.
    assert malicious_f1(y, flagged) == pytest.approx(2 / 3)
    assert macro_f1(y, flagged) == pytest.approx((2 / 3 + 3 / 4) / 2)


def test_f1_undefined_when_a_class_is_missing() -> None:
    assert macro_f1([0, 0, 0], [0, 1, 0]) is None
    assert malicious_f1([0, 0, 0], [0, 1, 0]) is None


def test_recall_at_fpr_on_a_known_ordering() -> None:
    # 10 benign, 4 hostile. Sorted by score: H H B H B B B B B B B H (ties none).
    y = [1, 1, 0, 1] + [0] * 9 + [1]
    scores = [0.99, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.15, 0.12, 0.1]
    assert y.count(0) == 10 and y.count(1) == 4
    # FPR <= 0%: only above the first benign -> 2 of 4 hostile.
    assert recall_at_fpr(y, scores, 0.0) == pytest.approx(0.5)
    # FPR <= 10% allows one benign -> down to 0.85 -> 3 of 4.
    assert recall_at_fpr(y, scores, 0.10) == pytest.approx(0.75)
    # 5% of 10 benign allows none: still 2 of 4, no interpolation toward 3.
    assert recall_at_fpr(y, scores, 0.05) == pytest.approx(0.5)


def test_recall_at_fpr_does_not_split_ties() -> None:
    # A hostile and a benign share the top score: flagging one flags both, so at FPR 0 the
    # recall is 0 even though a lucky tie-break would give 1/2.
    y = [1, 0, 1, 0]
    scores = [0.9, 0.9, 0.3, 0.1]
    assert recall_at_fpr(y, scores, 0.0) == 0.0
    assert recall_at_fpr(y, scores, 0.49) == 0.0
    # Down to 0.3: one benign of two flagged, both hostile found.
    assert recall_at_fpr(y, scores, 0.5) == pytest.approx(1.0)


def test_ece_zero_for_perfectly_calibrated_bins() -> None:
    # Bin [0.2, 0.3): five at 0.2, one hostile; bin [0.8, 0.9): five at 0.8, four hostile.
    y = [1, 0, 0, 0, 0, 1, 1, 1, 1, 0]
    scores = [0.2] * 5 + [0.8] * 5
    assert expected_calibration_error(y, scores) == pytest.approx(0.0)


def test_ece_by_hand() -> None:
    # All four at 0.9 but half hostile: |0.5 - 0.9| = 0.4 in the one filled bin.
    assert expected_calibration_error([1, 0, 1, 0], [0.9] * 4) == pytest.approx(0.4)
    # Two bins, each half of the data: 0.5*|1 - 0.75| + 0.5*|0 - 0.05| = 0.15.
    assert expected_calibration_error([1, 1, 0, 0], [0.7, 0.8, 0.0, 0.1]) \
        == pytest.approx(0.15)


def test_weighted_ece_weighs_each_conversation() -> None:
    # Bin [0.9, 1.0): y 1 (weight 3) and 0 (weight 1) at 0.9 -> |0.75 - 0.9| = 0.15, share 4/5;
    # bin [0.1, 0.2): y 0 (weight 1) at 0.1 -> 0.1, share 1/5. Total 0.12 + 0.02 = 0.14.
    y = np.array([1.0, 0.0, 0.0])
    scores = np.array([0.9, 0.9, 0.1])
    weights = np.array([3.0, 1.0, 1.0])
    assert ece_of_arrays(y, scores, weights=weights) == pytest.approx(0.14)
    # Equal weights give the unweighted figure.
    assert ece_of_arrays(y, scores, weights=np.full(3, 2.0)) == pytest.approx(
        ece_of_arrays(y, scores))


def test_calibration_bins_are_equal_width_and_last_is_closed() -> None:
    bins = calibration_bins([1, 0, 1], [1.0, 0.0, 0.95], bins=4)
    assert [(b.low, b.high) for b in bins] == [(0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1)]
    assert [b.count for b in bins] == [1, 0, 0, 2]
    assert bins[3].mean_risk == pytest.approx(0.975)
    assert bins[1].mean_risk is None


def test_binary_summary_on_all_benign_set() -> None:
    # The Enron shape: nothing hostile, so only the false-positive figures are defined.
    out = binary_summary([0] * 4, [0.1, 0.5, 0.8, 0.2], [0, 1, 1, 0], [0, 0, 1, 0])
    assert out["roc_auc"] is None and out["macro_f1"] is None
    assert out["false_positive_rate"] == pytest.approx(0.5)
    assert out["flagged_rate"] == pytest.approx(0.5)
    assert out["benign_high_rate"] == pytest.approx(0.25)
    assert out["recall_at_fpr_1pct"] is None


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError):
        roc_auc([1, 0], [0.5])
