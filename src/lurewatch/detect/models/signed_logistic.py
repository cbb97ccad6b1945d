"""Logistic regression whose weights keep the signs the sources give (`feature_signs.yaml`).

The same objective as scikit-learn's `LogisticRegression(C=c)` with sample weights
(C x the weighted log-loss + half the squared weights; the intercept unpenalised), minimised
by L-BFGS-B with each weight bounded to [0, inf), (-inf, 0] or free. With every weight free it
gives scikit-learn's answer.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import yaml
from scipy.optimize import minimize

SIGNS = ("raises", "lowers", "free")


def load_signs(names: tuple[str, ...], text: str | None = None) -> list[str]:
    """The sign of each feature in `names` (`free` when the file does not list it), from
    the packaged `feature_signs.yaml` or `text` in its format."""
    if text is None:
        text = resources.files("lurewatch.detect.models").joinpath(
            "feature_signs.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    signs = {str(k): str(v) for k, v in data["signs"].items()}
    bad = {k: v for k, v in signs.items() if v not in SIGNS}
    if bad:
        raise ValueError(f"feature_signs.yaml: unknown sign(s) {bad}; use one of {SIGNS}")
    unknown = set(signs) - set(names)
    if unknown:
        raise ValueError(f"feature_signs.yaml: unknown feature(s) {sorted(unknown)}")
    return [signs.get(name, "free") for name in names]


def _bounds(signs: list[str]) -> list[tuple[float | None, float | None]]:
    table = {"raises": (0.0, None), "lowers": (None, 0.0), "free": (None, None)}
    return [table[s] for s in signs] + [(None, None)]  # the intercept is free


def fit_signed_logistic(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray, c: float,
                        signs: list[str]) -> tuple[np.ndarray, float]:
    """(coefficients, intercept)."""
    if len(signs) != x.shape[1]:
        raise ValueError(f"{len(signs)} signs for {x.shape[1]} features")
    xb = np.c_[x, np.ones(len(x))]
    sign = np.where(np.asarray(y) > 0, 1.0, -1.0)
    sw = np.asarray(sample_weight, dtype=float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        margin = sign * (xb @ theta)
        loss = np.logaddexp(0.0, -margin)
        # d/dmargin of log(1 + exp(-m)) = -sigmoid(-m)
        grad_margin = -np.exp(-np.logaddexp(0.0, margin))
        value = c * float(sw @ loss) + 0.5 * float(theta[:-1] @ theta[:-1])
        grad = c * (xb.T @ (sw * grad_margin * sign))
        grad[:-1] += theta[:-1]
        return value, grad

    result = minimize(objective, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B",
                      bounds=_bounds(signs), options={"maxiter": 5000, "gtol": 1e-8})
    theta = result.x
    return theta[:-1], float(theta[-1])
