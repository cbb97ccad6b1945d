"""The conversation scorer keeps the signs the sources give its features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from lurewatch.detect.models import fitted_weights_path
from lurewatch.detect.models.signed_logistic import fit_signed_logistic, load_signs
from lurewatch.score.features import FEATURE_NAMES
from lurewatch.score.funnel import FunnelWeights


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, 4))
    # feature 1 truly lowers the risk, feature 3 truly raises it
    y = (x @ np.array([1.0, -2.0, 0.5, 1.5]) + rng.normal(size=400) > 0).astype(int)
    return x, y, rng.uniform(0.5, 2.0, size=400)


def test_all_free_is_plain_logistic_regression() -> None:
    x, y, w = _data()
    coef, intercept = fit_signed_logistic(x, y, w, 1.0, ["free"] * 4)
    model = LogisticRegression(C=1.0, max_iter=5000, tol=1e-8).fit(x, y, sample_weight=w)
    assert np.abs(coef - model.coef_[0]).max() < 1e-3
    assert abs(intercept - model.intercept_[0]) < 1e-3


def test_bounds_hold_where_the_data_pull_the_other_way() -> None:
    x, y, w = _data()
    coef, _ = fit_signed_logistic(x, y, w, 1.0, ["free", "raises", "free", "lowers"])
    assert coef[1] == pytest.approx(0.0, abs=1e-9)  # wanted about -2, kept at 0
    assert coef[3] == pytest.approx(0.0, abs=1e-9)  # wanted about +1.5, kept at 0
    assert coef[0] > 0.5 and coef[2] > 0.1  # the free ones still learn


def test_sign_file_names_only_known_features_with_known_signs() -> None:
    signs = load_signs(FEATURE_NAMES)
    assert len(signs) == len(FEATURE_NAMES)
    named = dict(zip(FEATURE_NAMES, signs, strict=True))
    assert named["stage:secrecy"] == "raises" and named["mitigated"] == "lowers"
    with pytest.raises(ValueError, match="unknown feature"):
        load_signs(FEATURE_NAMES, "signs:\n  stage:telepathy: raises\n")
    with pytest.raises(ValueError, match="unknown sign"):
        load_signs(FEATURE_NAMES, "signs:\n  stage:secrecy: up\n")


def test_shipped_scorer_keeps_every_sign() -> None:
    weights = FunnelWeights.load(fitted_weights_path()).weights
    for name, sign in zip(FEATURE_NAMES, load_signs(FEATURE_NAMES), strict=True):
        value = weights.get(name, 0.0)
        if sign == "raises":
            assert value >= 0.0, f"{name} lowers the risk ({value})"
        elif sign == "lowers":
            assert value <= 0.0, f"{name} raises the risk ({value})"
