"""Learned stage detectors over static text embeddings, trained by `lurewatch train`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lurewatch.detect.models.detector import ModelDetector
    from lurewatch.detect.models.text_risk import TextSignal

FUNNEL_FILE = "funnel_weights.yaml"


def fitted_weights_path() -> Path:
    """The funnel weights refitted together with the shipped stage heads."""
    return Path(str(resources.files("lurewatch.detect.models").joinpath(FUNNEL_FILE)))


def model_installed() -> bool:
    """Whether the learned detector's artefacts are installed (without loading them)."""
    from lurewatch.detect.models.heads import HEADS_FILE

    base = resources.files("lurewatch.detect.models")
    return base.joinpath(HEADS_FILE).is_file() and base.joinpath(FUNNEL_FILE).is_file()


def load_model_detector() -> ModelDetector | None:
    """The shipped learned detector, or None when its artefacts are not installed."""
    from lurewatch.detect.models.detector import ModelDetector

    return ModelDetector() if model_installed() else None


def load_text_signal(detector: ModelDetector) -> TextSignal | None:
    """The shipped conversation text model, sharing the detector's encoder and examples, or
    None when it is not installed."""
    from lurewatch.detect.models.text_risk import TEXT_FILE, TextRiskModel, TextSignal

    if not resources.files("lurewatch.detect.models").joinpath(TEXT_FILE).is_file():
        return None
    return TextSignal(TextRiskModel.load(), detector.encoder, detector.examples)
