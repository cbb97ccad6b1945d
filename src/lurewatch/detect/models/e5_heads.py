"""The transformer's stage heads and the cascade's settings, stored as one small npz.

A head's probability for a message is sigmoid(a * (w . e + c) + d) over the message's e5
embedding e: a logistic regression, Platt-calibrated on grouped out-of-fold scores. The file
also holds how the second opinion is combined with the first pass's (chosen by grouped
cross-validation in `transformer_training.py`), the uncertainty bands and the default budget,
and the e5 embeddings of the labelled examples in `stage_examples.json` (so explanations quote
the examples nearest in the transformer's own space without embedding them at scan time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from lurewatch.detect.models.artefact import save_versioned

E5_HEADS_FILE = "e5_heads.npz"
COMBINERS = ("replace", "average", "stacked")


class E5HeadsError(Exception):
    """An e5-heads file that cannot be used; the message names the file and the problem."""


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


@dataclass(slots=True)
class E5Heads:
    stages: tuple[str, ...]  # the same stages, in the same order, as the first-pass heads
    w: np.ndarray  # (384, H)
    intercept: np.ndarray  # (H,)
    platt_a: np.ndarray  # (H,)
    platt_b: np.ndarray  # (H,)
    combiner: str  # one of COMBINERS
    stack: np.ndarray  # (H, 3): stacked logistic over (logit first pass, logit e5, 1)
    message_band: float  # a stage is uncertain when |logit p - logit threshold| <= this
    conversation_band: float  # a conversation is when |logit risk - logit medium| <= this
    per_conversation: int  # messages of one conversation sent at most
    budget: int  # messages per scan sent at most, by default (0: the cascade is off)
    lower: bool  # whether the second opinion may also withdraw a first-pass model finding
    example_vectors: np.ndarray  # (n_examples, 384) float16, stage_examples.json order
    example_digest: str  # sha256 of the example texts the vectors belong to
    version: str = ""

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, H) calibrated e5 probabilities."""
        return sigmoid(self.platt_a * (vectors @ self.w + self.intercept) + self.platt_b)

    def combine(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """The combined probability of (n, H) first-pass and e5 probabilities."""
        if self.combiner == "replace":
            return second
        if self.combiner == "average":
            return (first + second) / 2
        return sigmoid(logit(first) * self.stack[:, 0] + logit(second) * self.stack[:, 1]
                       + self.stack[:, 2])

    def save(self, path: Path) -> None:
        arrays = {
            "stages": np.array(self.stages),
            "w": self.w.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "platt_a": self.platt_a.astype(np.float64),
            "platt_b": self.platt_b.astype(np.float64),
            "combiner": np.array(self.combiner),
            "stack": self.stack.astype(np.float64),
            "settings": np.array([self.message_band, self.conversation_band,
                                  self.per_conversation, self.budget, int(self.lower)],
                                 dtype=np.float64),
            "example_vectors": self.example_vectors.astype(np.float16),
            "example_digest": np.array(self.example_digest),
        }
        self.version = save_versioned(path, arrays, "e5-heads")

    @classmethod
    def load(cls, path: Path | None = None) -> E5Heads:
        if path is None:
            path = default_path()
        try:
            with np.load(path, allow_pickle=False) as data:
                m_band, c_band, per_conv, budget, lower = (float(v) for v in data["settings"])
                heads = cls(
                    stages=tuple(str(s) for s in data["stages"]),
                    w=data["w"].astype(np.float32),
                    intercept=data["intercept"].astype(np.float32),
                    platt_a=data["platt_a"].astype(np.float32),
                    platt_b=data["platt_b"].astype(np.float32),
                    combiner=str(data["combiner"]),
                    stack=data["stack"].astype(np.float32),
                    message_band=m_band, conversation_band=c_band,
                    per_conversation=int(per_conv), budget=int(budget), lower=bool(lower),
                    example_vectors=data["example_vectors"].astype(np.float32),
                    example_digest=str(data["example_digest"]),
                    version=str(data["version"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise E5HeadsError(f"{path}: not a usable e5-heads file ({exc})") from None
        h = len(heads.stages)
        if heads.w.shape[1] != h or heads.stack.shape != (h, 3):
            raise E5HeadsError(f"{path}: weight shapes do not match {h} stages")
        if heads.combiner not in COMBINERS:
            raise E5HeadsError(f"{path}: unknown combiner {heads.combiner!r}")
        return heads


def default_path() -> Path:
    return Path(str(resources.files("lurewatch.detect.models").joinpath(E5_HEADS_FILE)))


def examples_digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
