"""The conversation scorer: reads a conversation's findings in order, as the funnel runs, and
gives `risk` (0-1), `level` and `first_alert` with the reasons in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from lurewatch.model import (
    Finding,
    Indicator,
    Message,
    ProfileReview,
    Verdict,
)
from lurewatch.score.features import (
    FEATURE_NAMES,
    SHAPE_FEATURES,
    FunnelFeatures,
    describe_feature,
    funnel_features,
)
from lurewatch.yamlio import load_yaml


class WeightsError(Exception):
    """A weights file that cannot be used; the message names the file and the problem."""


@dataclass(slots=True, frozen=True)
class FunnelWeights:
    bias: float
    weights: dict[str, float]
    medium: float
    high: float
    name: str = "funnel-weights/1"

    @classmethod
    def load(cls, path: Path | None = None) -> FunnelWeights:
        """The weights in `path`, or the packaged default."""
        if path is None:
            text = resources.files("lurewatch.score").joinpath("weights.yaml").read_text("utf-8")
            where = "lurewatch/score/weights.yaml"
        else:
            where = str(path)
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeError) as exc:
                raise WeightsError(f"{where}: cannot read weights ({exc})") from None
        try:
            data = load_yaml(text)
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            bias = float(data["bias"])
            medium, high = float(data["levels"]["medium"]), float(data["levels"]["high"])
        except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise WeightsError(f"{where}: not a valid weights file ({exc!r})") from None
        unknown = set(weights) - set(FEATURE_NAMES)
        if unknown:
            raise WeightsError(f"{where}: unknown features {sorted(unknown)}")
        if not 0 < medium < high < 1:
            raise WeightsError(f"{where}: levels must satisfy 0 < medium < high < 1")
        return cls(bias, weights, medium, high, name=str(data.get("name", "funnel-weights/1")))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= -50 else 0.0


class FunnelScorer:
    """Logistic model over funnel features (see `score.features` and `weights.yaml`)."""

    def __init__(self, weights: FunnelWeights | None = None) -> None:
        self.weights = weights or FunnelWeights.load()

    def level(self, risk: float) -> str:
        if risk >= self.weights.high:
            return "high"
        if risk >= self.weights.medium:
            return "medium"
        return "low"

    def risk_of(self, features: FunnelFeatures) -> float:
        w = self.weights.weights
        logit = self.weights.bias + sum(w.get(k, 0.0) * v for k, v in features.values.items())
        return sigmoid(logit)

    def score(
        self,
        findings: list[Finding],
        messages: list[Message],
        profile: ProfileReview | None = None,
        indicators: list[Indicator] | None = None,
    ) -> Verdict:
        findings = sorted(findings, key=lambda f: f.message_index)
        # Risk only changes at messages that carry findings, so score those prefixes alone.
        checkpoints = sorted({f.message_index for f in findings})
        risk_at: dict[int, float] = {}
        first_alert: int | None = None
        base = self.risk_of(funnel_features([], messages, profile, indicators))
        if base >= self.weights.medium and messages:
            first_alert = 0
        for index in checkpoints:
            risk = self.risk_of(funnel_features(findings, messages, profile, indicators, index))
            risk_at[index] = risk
            if first_alert is None and risk >= self.weights.medium:
                first_alert = index
        full = funnel_features(findings, messages, profile, indicators)
        risk = self.risk_of(full)
        level = self.level(risk)
        if level == "low":
            # A later mitigation can bring the whole conversation back below the line.
            first_alert = None
        elif first_alert is None:
            first_alert = checkpoints[-1] if checkpoints else 0
        risk_by_message: list[float] = []
        current = base
        for i in range(len(messages)):
            current = risk_at.get(i, current)
            risk_by_message.append(round(current, 4))
        return Verdict(round(risk, 4), level, first_alert, self.reasons(full), risk_by_message)

    def reasons(self, features: FunnelFeatures) -> list[str]:
        """Shape features that moved the score, strongest first, in plain words."""
        w = self.weights.weights
        contributions = [
            (w.get(name, 0.0) * features.values[name], name)
            for name in SHAPE_FEATURES
            if features.values.get(name, 0.0) > 0 and w.get(name, 0.0) != 0
        ]
        contributions.sort(key=lambda c: -abs(c[0]))
        out = []
        for contribution, name in contributions:
            sentence = describe_feature(name, features)
            out.append(f"lowers risk: {sentence}" if contribution < 0 else sentence)
        return out

