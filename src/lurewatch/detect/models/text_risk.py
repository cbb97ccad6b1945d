"""The conversation-level text signal: how much the counterpart's messages, read together, read
like the labelled approaches and elicitation attempts rather than ordinary business contact.

A logistic regression over the mean of the counterpart messages' features (hashed n-gram bag
and static embedding, as the stage heads use), Platt-calibrated on out-of-fold scores. Because
the representation is a mean, the linear score of a prefix is the running mean of the
per-message scores: scoring every prefix costs one dot product per message, no re-encoding.
Trained by `lurewatch train` with Enron mail as benign, so ordinary business wording is learned
as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from lurewatch.detect.models.artefact import save_versioned
from lurewatch.detect.models.detector import ExampleBank
from lurewatch.detect.models.detector import _quote as quote
from lurewatch.detect.models.embed import Encoded, StaticEncoder
from lurewatch.model import Message
from lurewatch.score.features import SHAPE_FEATURES

TEXT_FILE = "text_risk.npz"
TEXT_FEATURE = "text_risk"


class TextModelError(Exception):
    """A text-model file that cannot be used; the message names the file and the problem."""


@dataclass(slots=True)
class TextEvidence:
    """One conversation's counterpart messages as the text model sees them."""

    indices: list[int]  # message indices, ascending
    scores: np.ndarray  # (n,) linear score of each message
    vectors: np.ndarray  # (n, dims) static embeddings, for quoting the nearest examples


@dataclass(slots=True)
class TextRiskModel:
    dense_weight: float
    w_dense: np.ndarray  # (dims,)
    w_bag: np.ndarray  # (n_features,)
    intercept: float
    platt_a: float
    platt_b: float
    version: str = ""

    def message_scores(self, enc: Encoded) -> np.ndarray:
        """(n,) linear score of each encoded message (without the intercept)."""
        scores = (enc.dense * self.dense_weight) @ self.w_dense
        bag = np.bincount(enc.rows, weights=self.w_bag[enc.cols] * enc.values,
                          minlength=enc.n)
        return scores.astype(np.float64) + bag

    def probability(self, mean_score: float) -> float:
        z = self.platt_a * (mean_score + self.intercept) + self.platt_b
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))

    def prefix_probabilities(self, scores: np.ndarray) -> np.ndarray:
        """Calibrated probability after each message: of the running mean of the scores."""
        if not scores.size:
            return np.zeros(0)
        means = np.cumsum(scores) / np.arange(1, scores.size + 1)
        z = self.platt_a * (means + self.intercept) + self.platt_b
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def save(self, path: Path) -> None:
        arrays = {
            "dense_weight": np.array(self.dense_weight, dtype=np.float64),
            "w_dense": self.w_dense.astype(np.float32),
            "w_bag": self.w_bag.astype(np.float32),
            "calibration": np.array([self.intercept, self.platt_a, self.platt_b],
                                    dtype=np.float64),
        }
        self.version = save_versioned(path, arrays, "text-risk")

    @classmethod
    def load(cls, path: Path | None = None) -> TextRiskModel:
        if path is None:
            path = Path(str(resources.files("lurewatch.detect.models").joinpath(TEXT_FILE)))
        try:
            with np.load(path, allow_pickle=False) as data:
                intercept, a, b = (float(v) for v in data["calibration"])
                model = cls(float(data["dense_weight"]), data["w_dense"].astype(np.float32),
                            data["w_bag"].astype(np.float32), intercept, a, b,
                            str(data["version"]))
        except (OSError, KeyError, ValueError) as exc:
            raise TextModelError(f"{path}: not a usable text-model file ({exc})") from None
        if model.w_dense.ndim != 1 or model.w_bag.ndim != 1:
            raise TextModelError(f"{path}: weight shapes are not vectors")
        return model


def evidence_many(model: TextRiskModel, refs: list[tuple[int, int]], enc: Encoded,
                  n_conversations: int) -> list[TextEvidence]:
    """Split a batch encoding (rows = `refs`, (conversation, message) ascending) into each
    conversation's evidence."""
    scores = model.message_scores(enc)
    out = [TextEvidence([], np.zeros(0), np.zeros((0, enc.dense.shape[1]), np.float32))
           for _ in range(n_conversations)]
    start = 0
    while start < len(refs):
        c = refs[start][0]
        end = start
        while end < len(refs) and refs[end][0] == c:
            end += 1
        out[c] = TextEvidence([i for _, i in refs[start:end]], scores[start:end],
                              enc.dense[start:end])
        start = end
    return out


class TextSignal:
    """The text model with what it needs to read a conversation and explain itself: the
    encoder (shared with the stage heads) and the labelled examples it quotes."""

    def __init__(self, model: TextRiskModel, encoder: StaticEncoder, examples: ExampleBank
                 ) -> None:
        self.model = model
        self.encoder = encoder
        self.examples = examples

    def evidence(self, messages: list[Message]) -> TextEvidence:
        idx = [i for i, m in enumerate(messages) if m.sender == "counterpart" and m.text.strip()]
        enc = self.encoder.encode([messages[i].text for i in idx])
        return evidence_many(self.model, [(0, i) for i in idx], enc, 1)[0]

    def probability_by_message(self, n_messages: int, evidence: TextEvidence) -> list[float]:
        """The text model's probability on each prefix; 0 before the counterpart has written."""
        out = [0.0] * n_messages
        probs = self.model.prefix_probabilities(evidence.scores)
        for k, i in enumerate(evidence.indices):
            end = evidence.indices[k + 1] if k + 1 < len(evidence.indices) else n_messages
            for j in range(i, min(end, n_messages)):
                out[j] = float(probs[k])
        return out

    def reason(self, messages: list[Message], evidence: TextEvidence) -> str:
        """In words: the message that reads most like an approach, and the labelled examples
        (from the project's own corpus) it is closest to."""
        sentence = SHAPE_FEATURES[TEXT_FEATURE]
        if not evidence.indices:
            return sentence
        k = int(np.argmax(evidence.scores))
        sentence += f", most of all '{quote(messages[evidence.indices[k]].text)}'"
        near = self.examples.nearest(evidence.vectors[k], TEXT_FEATURE)
        if near:
            sentence += ": close to labelled examples such as " + "; ".join(
                f"'{quote(t)}'" for t in near)
        return sentence
