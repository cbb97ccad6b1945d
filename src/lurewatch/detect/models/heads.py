"""Per-stage logistic heads over the static features, Platt-calibrated, stored as one npz.

A head's probability for a text is sigmoid(a * (w_dense . e + w_bag . b + c) + d): the linear
score of the fitted logistic regression, then the Platt map fitted on cross-validated scores.
Scoring needs only numpy, so a batch of messages costs a gather and a sum per head.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from lurewatch.detect.models.artefact import save_versioned
from lurewatch.detect.models.embed import Encoded

HEADS_FILE = "stage_heads.npz"


class HeadsError(Exception):
    """A heads file that cannot be used; the message names the file and the problem."""


@dataclass(slots=True)
class StageHeads:
    stages: tuple[str, ...]
    dense_weight: float  # scale of the embedding block relative to the bag (as in training)
    w_dense: np.ndarray  # (dims, H)
    w_bag: np.ndarray  # (n_features, H)
    intercept: np.ndarray  # (H,)
    platt_a: np.ndarray  # (H,)
    platt_b: np.ndarray  # (H,)
    thresholds: np.ndarray  # (H,) probability at which a head reports a finding
    version: str = ""

    def probabilities(self, enc: Encoded) -> np.ndarray:
        """(n, H) calibrated probabilities."""
        logits = (enc.dense * self.dense_weight) @ self.w_dense + self.intercept
        if enc.rows.size:
            contrib = self.w_bag[enc.cols] * enc.values[:, None]
            starts = np.flatnonzero(np.r_[True, enc.rows[1:] != enc.rows[:-1]])
            logits[enc.rows[starts]] += np.add.reduceat(contrib, starts, axis=0)
        z = self.platt_a * logits + self.platt_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def save(self, path: Path) -> None:
        arrays = {
            "stages": np.array(self.stages),
            "dense_weight": np.array(self.dense_weight, dtype=np.float64),
            "w_dense": self.w_dense.astype(np.float32),
            "w_bag": self.w_bag.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "platt_a": self.platt_a.astype(np.float64),
            "platt_b": self.platt_b.astype(np.float64),
            "thresholds": self.thresholds.astype(np.float64),
        }
        self.version = save_versioned(path, arrays, "stage-heads")

    @classmethod
    def load(cls, path: Path | None = None) -> StageHeads:
        if path is None:
            path = Path(str(resources.files("lurewatch.detect.models").joinpath(HEADS_FILE)))
        try:
            with np.load(path, allow_pickle=False) as data:
                heads = cls(
                    stages=tuple(str(s) for s in data["stages"]),
                    dense_weight=float(data["dense_weight"]),
                    w_dense=data["w_dense"].astype(np.float32),
                    w_bag=data["w_bag"].astype(np.float32),
                    intercept=data["intercept"].astype(np.float32),
                    platt_a=data["platt_a"].astype(np.float32),
                    platt_b=data["platt_b"].astype(np.float32),
                    thresholds=data["thresholds"].astype(np.float32),
                    version=str(data["version"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise HeadsError(f"{path}: not a usable stage-heads file ({exc})") from None
        h = len(heads.stages)
        if heads.w_dense.shape[1] != h or heads.w_bag.shape[1] != h:
            raise HeadsError(f"{path}: weight shapes do not match {h} stages")
        return heads
