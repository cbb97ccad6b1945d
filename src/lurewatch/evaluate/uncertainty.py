"""How far a figure measured on a small labelled set can be trusted.

Two questions, answered by resampling (deterministic: a fixed seed):

- **Intervals.** A stratified bootstrap (hostile and benign conversations resampled
  separately, so every resample keeps the set's class counts) gives a 95% percentile
  interval for each headline figure. With 114 conversations, an AUC of 0.98 or an ECE of
  0.06 is an estimate with a width, and a target met or missed by less than that width is
  not settled by the set.
- **Calibration noise.** Even a perfectly calibrated scorer shows a positive ECE on a
  finite set. Drawing labels from the risks themselves (hostile with probability `risk`)
  gives the ECE that perfect calibration would show on this very set of risks: its median,
  its 95th percentile, and the share of draws at least as large as the observed ECE (a
  one-sided p-value; small means the miscalibration is more than noise).

The bootstrap ECE is biased upward (resampling duplicates conversations inside bins), so
its interval is wider on the high side; the calibration-noise figures are the ones to read
against a calibration target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lurewatch.evaluate.metrics import ece_of_arrays, roc_auc

DEFAULT_RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 20_241_128

Figure = Callable[[np.ndarray, np.ndarray, np.ndarray], float | None]


def _auc(y: np.ndarray, s: np.ndarray, _: np.ndarray) -> float | None:
    return roc_auc(y, s)


def _f1_pair(y: np.ndarray, f: np.ndarray) -> tuple[float, float]:
    tp = float(((f == 1) & (y == 1)).sum())
    fp = float(((f == 1) & (y == 0)).sum())
    fn = float(((f == 0) & (y == 1)).sum())
    tn = float(((f == 0) & (y == 0)).sum())
    hostile = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    benign = 2 * tn / (2 * tn + fn + fp) if tn + fn + fp else 0.0
    return hostile, benign


def _macro_f1(y: np.ndarray, _: np.ndarray, f: np.ndarray) -> float | None:
    if not 0 < int(y.sum()) < y.size:
        return None
    return sum(_f1_pair(y, f)) / 2


def _malicious_f1(y: np.ndarray, _: np.ndarray, f: np.ndarray) -> float | None:
    return _f1_pair(y, f)[0] if y.sum() else None


def _flagged_rate(_: np.ndarray, __: np.ndarray, f: np.ndarray) -> float | None:
    return float(f.mean()) if f.size else None


FIGURES: dict[str, Figure] = {
    "roc_auc": _auc,
    "macro_f1": _macro_f1,
    "malicious_f1": _malicious_f1,
    "flagged_rate": _flagged_rate,
}


def _resample_indices(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    parts = []
    for label in (0, 1):
        members = np.flatnonzero(y == label)
        if members.size:
            parts.append(rng.choice(members, size=members.size, replace=True))
    return np.concatenate(parts) if parts else np.empty(0, dtype=int)


def _interval(values: list[float]) -> list[float] | None:
    if not values:
        return None
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return [round(float(low), 4), round(float(high), 4)]


def bootstrap_intervals(
    y: Sequence[int],
    scores: Sequence[float],
    flagged: Sequence[int],
    bins: int,
    resamples: int = DEFAULT_RESAMPLES,
) -> dict[str, list[float] | None]:
    """95% stratified-bootstrap percentile intervals of ROC-AUC, macro and hostile F1, the
    flagged share and the ECE. A figure undefined on the set gets `None`."""
    y_arr = np.asarray(y, dtype=int)
    s_arr = np.asarray(scores, dtype=float)
    f_arr = np.asarray(flagged, dtype=int)
    rng = np.random.default_rng(SEED)
    draws: dict[str, list[float]] = {name: [] for name in (*FIGURES, "ece")}
    if y_arr.size:
        for _ in range(resamples):
            idx = _resample_indices(y_arr, rng)
            ys, ss, fs = y_arr[idx], s_arr[idx], f_arr[idx]
            for name, figure in FIGURES.items():
                value = figure(ys, ss, fs)
                if value is not None:
                    draws[name].append(value)
            draws["ece"].append(ece_of_arrays(ys.astype(float), ss, bins))
    return {name: _interval(values) for name, values in draws.items()}


def calibration_noise(
    scores: Sequence[float],
    observed_ece: float | None,
    bins: int,
    draws: int = DEFAULT_RESAMPLES,
) -> dict[str, float | int | None]:
    """The ECE a perfectly calibrated scorer would show on these risks: labels drawn as
    Bernoulli(risk), `draws` times."""
    s_arr = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    if not s_arr.size:
        return {"draws": 0, "median": None, "p95": None, "p_value": None}
    rng = np.random.default_rng(SEED)
    null = np.array([ece_of_arrays((rng.random(s_arr.size) < s_arr).astype(float), s_arr, bins)
                     for _ in range(draws)])
    p_value = (None if observed_ece is None
               else round(float((null >= observed_ece - 1e-12).mean()), 4))
    return {"draws": draws, "median": round(float(np.median(null)), 4),
            "p95": round(float(np.percentile(null, 95)), 4), "p_value": p_value}
