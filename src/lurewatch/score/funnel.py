"""The conversation scorer: reads a conversation's findings in order, as the funnel runs, and
gives `risk` (0-1), `level` and `first_alert` with the reasons in plain words."""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

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
from lurewatch.score.prefix import prefix_feature_values
from lurewatch.yamlio import load_yaml

if TYPE_CHECKING:
    from lurewatch.detect.models.text_risk import TextEvidence, TextSignal

TEXT_FEATURE = "text_risk"  # the conversation text model's probability (detect.models)


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
    """Logistic model over funnel features (see `score.features` and `weights.yaml`), plus,
    when given, the conversation text model's probability as the `text_risk` feature."""

    def __init__(self, weights: FunnelWeights | None = None, text: TextSignal | None = None
                 ) -> None:
        self.weights = weights or FunnelWeights.load()
        # the text model only counts when the weights give it a say
        self.text = text if self.weights.weights.get(TEXT_FEATURE, 0.0) else None

    def level(self, risk: float) -> str:
        if risk >= self.weights.high:
            return "high"
        if risk >= self.weights.medium:
            return "medium"
        return "low"

    def logit_of(self, features: FunnelFeatures) -> float:
        return self.logit_of_values(features.values)

    def logit_of_values(self, values: dict[str, float]) -> float:
        w = self.weights.weights
        return self.weights.bias + sum(w.get(k, 0.0) * v for k, v in values.items() if v)

    def risk_of(self, features: FunnelFeatures) -> float:
        return sigmoid(self.logit_of(features))

    def score(
        self,
        findings: list[Finding],
        messages: list[Message],
        profile: ProfileReview | None = None,
        indicators: list[Indicator] | None = None,
        text: TextEvidence | None = None,
    ) -> Verdict:
        """The verdict; `text` is the counterpart messages' text evidence when the caller
        has already encoded them (the scanner does, per batch), else it is computed here."""
        findings = sorted(findings, key=lambda f: f.message_index)
        if self.text is not None and text is None:
            text = self.text.evidence(messages)
        text_at = ([0.0] * len(messages) if self.text is None or text is None
                   else self.text.probability_by_message(len(messages), text))
        w_text = self.weights.weights.get(TEXT_FEATURE, 0.0)
        # The findings' part of the risk only changes at messages that carry findings, so
        # features are computed at those prefixes alone; the text part moves with every
        # counterpart message and is added per message.
        current = self.logit_of(funnel_features([], messages, profile, indicators))
        logit_at = {index: self.logit_of_values(values)
                    for index, values in prefix_feature_values(findings, messages, profile)}
        first_alert: int | None = None
        risk_by_message: list[float] = []
        for i in range(len(messages)):
            current = logit_at.get(i, current)
            risk_i = sigmoid(current + w_text * text_at[i])
            risk_by_message.append(round(risk_i, 4))
            if first_alert is None and risk_i >= self.weights.medium:
                first_alert = i
        full = funnel_features(findings, messages, profile, indicators)
        if text_at:
            full.values[TEXT_FEATURE] = text_at[-1]
        risk = self.risk_of(full)
        level = self.level(risk)
        if level == "low":
            # A later mitigation can bring the whole conversation back below the line.
            first_alert = None
        elif first_alert is None:
            first_alert = max(logit_at) if logit_at else 0
        text_reason = None
        if self.text is not None and text is not None and full.values[TEXT_FEATURE] > 0:
            # said when the text model reads the messages as more likely hostile than not,
            # or when its share of the score is what lifts the level
            without = self.level(sigmoid(self.logit_of(full) - w_text * text_at[-1]))
            if full.values[TEXT_FEATURE] >= 0.5 or without != level:
                text_reason = self.text.reason(messages, text)
        return Verdict(round(risk, 4), level, first_alert, self.reasons(full, text_reason),
                       risk_by_message)

    def reasons(self, features: FunnelFeatures, text_reason: str | None = None) -> list[str]:
        """Shape features that moved the score, strongest first, in plain words. The text
        model's feature is said only when `text_reason` is given (it quotes the closest
        labelled examples; see `score`)."""
        w = self.weights.weights
        contributions = [
            (w.get(name, 0.0) * features.values[name], name)
            for name in SHAPE_FEATURES
            if features.values.get(name, 0.0) > 0 and w.get(name, 0.0) != 0
            and (name != TEXT_FEATURE or text_reason is not None)
        ]
        contributions.sort(key=lambda c: -abs(c[0]))
        out = []
        for contribution, name in contributions:
            sentence = (text_reason if name == TEXT_FEATURE and text_reason is not None
                        else describe_feature(name, features))
            out.append(f"lowers risk: {sentence}" if contribution < 0 else sentence)
        return out
