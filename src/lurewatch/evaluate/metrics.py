"""Detection metrics on labelled conversations: pure functions of labels and scores.

`y` is 1 for hostile, 0 for benign; `scores` is the scanner's `risk` (0-1); `flagged` is the
binary decision the scanner makes (`level != "low"`). A metric that is undefined on the
data (an AUC with one class present, an F1 with no hostile conversation) is `None`, never a
made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score, roc_curve

DEFAULT_BINS = 10
FPR_TARGETS: tuple[float, ...] = (0.01, 0.05)


def _arrays(y: Sequence[int], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=int)
    s_arr = np.asarray(scores, dtype=float)
    if y_arr.shape != s_arr.shape:
        raise ValueError(f"{len(y_arr)} labels but {len(s_arr)} scores")
    return y_arr, s_arr


def _both_classes(y: np.ndarray) -> bool:
    return bool(y.size) and 0 < int(y.sum()) < y.size


def roc_auc(y: Sequence[int], scores: Sequence[float]) -> float | None:
    y_arr, s_arr = _arrays(y, scores)
    return float(roc_auc_score(y_arr, s_arr)) if _both_classes(y_arr) else None


def pr_auc(y: Sequence[int], scores: Sequence[float]) -> float | None:
    """Average precision (the step-wise area under the precision-recall curve)."""
    y_arr, s_arr = _arrays(y, scores)
    return float(average_precision_score(y_arr, s_arr)) if _both_classes(y_arr) else None


def macro_f1(y: Sequence[int], flagged: Sequence[int]) -> float | None:
    """Mean of the benign-class and hostile-class F1; needs both classes in `y`."""
    y_arr, f_arr = _arrays(y, flagged)
    if not _both_classes(y_arr):
        return None
    return float(f1_score(y_arr, f_arr.astype(int), average="macro", labels=[0, 1],
                          zero_division=0))


def malicious_f1(y: Sequence[int], flagged: Sequence[int]) -> float | None:
    """F1 of the hostile class; needs at least one hostile conversation."""
    y_arr, f_arr = _arrays(y, flagged)
    if not y_arr.sum():
        return None
    return float(f1_score(y_arr, f_arr.astype(int), pos_label=1, zero_division=0))


def recall_at_fpr(y: Sequence[int], scores: Sequence[float], target: float) -> float | None:
    """Hostile recall at the operating point with the highest recall whose false-positive
    rate is at most `target`.

    No interpolation between points of the ROC curve: conversations with equal scores are
    flagged together or not at all, so the figure is one a real threshold achieves. With
    169 benign conversations, 1% allows one false positive.
    """
    y_arr, s_arr = _arrays(y, scores)
    if not _both_classes(y_arr):
        return None
    fpr, tpr, _ = roc_curve(y_arr, s_arr, drop_intermediate=False)
    allowed = fpr <= target + 1e-12
    return float(tpr[allowed].max())


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    low: float
    high: float
    count: int
    mean_risk: float | None  # mean predicted risk in the bin
    hostile_rate: float | None  # observed fraction hostile in the bin

    def to_dict(self) -> dict[str, float | int | None]:
        return {"low": self.low, "high": self.high, "count": self.count,
                "mean_risk": self.mean_risk, "hostile_rate": self.hostile_rate}


def calibration_bins(
    y: Sequence[int], scores: Sequence[float], bins: int = DEFAULT_BINS
) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]: [0, 1/b), [1/b, 2/b), ..., [(b-1)/b, 1] (the last bin
    includes 1)."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y_arr, s_arr = _arrays(y, scores)
    s_arr = np.clip(s_arr, 0.0, 1.0)
    index = np.minimum((s_arr * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        out.append(CalibrationBin(
            low=b / bins, high=(b + 1) / bins, count=count,
            mean_risk=float(s_arr[members].mean()) if count else None,
            hostile_rate=float(y_arr[members].mean()) if count else None,
        ))
    return out


def expected_calibration_error(
    y: Sequence[int], scores: Sequence[float], bins: int = DEFAULT_BINS
) -> float | None:
    """Sum over bins of (share of conversations in the bin) * |hostile rate - mean risk|,
    over the bins of `calibration_bins`."""
    y_arr, s_arr = _arrays(y, scores)
    if not y_arr.size:
        return None
    return ece_of_arrays(y_arr.astype(float), s_arr, bins)


def ece_of_arrays(y: np.ndarray, scores: np.ndarray, bins: int = DEFAULT_BINS,
                  weights: np.ndarray | None = None) -> float:
    """The ECE on numpy arrays in a few array operations (the bootstrap calls it thousands of
    times): each bin's |hostile count - risk sum|, summed, over the number of conversations.
    With `weights`, counts and sums are weighted (training weighs its sources)."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    clipped = np.clip(scores, 0.0, 1.0)
    index = np.minimum((clipped * bins).astype(int), bins - 1)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    gap = np.abs(np.bincount(index, weights=w * y, minlength=bins)
                 - np.bincount(index, weights=w * clipped, minlength=bins))
    return float(gap.sum() / w.sum()) if y.size else 0.0


def binary_summary(
    y: Sequence[int],
    scores: Sequence[float],
    flagged: Sequence[int],
    high: Sequence[int] | None = None,
) -> dict[str, float | int | None]:
    """Every conversation-level figure of one evaluation set, as a JSON-ready dict."""
    y_arr, s_arr = _arrays(y, scores)
    _, f_arr = _arrays(y, flagged)
    f_arr = f_arr.astype(int)
    n, hostile = int(y_arr.size), int(y_arr.sum())
    benign = n - hostile
    tp = int(((f_arr == 1) & (y_arr == 1)).sum())
    fp = int(((f_arr == 1) & (y_arr == 0)).sum())
    out: dict[str, float | int | None] = {
        "n": n,
        "hostile": hostile,
        "benign": benign,
        "roc_auc": roc_auc(y_arr, s_arr),
        "pr_auc": pr_auc(y_arr, s_arr),
        "macro_f1": macro_f1(y_arr, f_arr),
        "malicious_f1": malicious_f1(y_arr, f_arr),
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / hostile if hostile else None,
        "false_positive_rate": fp / benign if benign else None,
        "flagged_rate": float(f_arr.mean()) if n else None,
    }
    if high is not None:
        _, h_arr = _arrays(y, high)
        out["high_rate"] = float(h_arr.mean()) if n else None
        out["benign_high_rate"] = (
            float(h_arr[y_arr == 0].mean()) if benign else None
        )
    for target in FPR_TARGETS:
        out[f"recall_at_fpr_{round(target * 100)}pct"] = recall_at_fpr(y_arr, s_arr, target)
    return out
