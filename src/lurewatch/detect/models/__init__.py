"""Learned stage detectors over static text embeddings, trained by `lurewatch train`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lurewatch.detect.models.detector import ModelDetector

FUNNEL_FILE = "funnel_weights.yaml"


def fitted_weights_path() -> Path:
    """The funnel weights refitted together with the shipped stage heads."""
    return Path(str(resources.files("lurewatch.detect.models").joinpath(FUNNEL_FILE)))


def load_model_detector() -> ModelDetector | None:
    """The shipped learned detector, or None when its artefacts are not installed."""
    from lurewatch.detect.models.detector import ModelDetector
    from lurewatch.detect.models.heads import HEADS_FILE

    base = resources.files("lurewatch.detect.models")
    if not (base.joinpath(HEADS_FILE).is_file() and base.joinpath(FUNNEL_FILE).is_file()):
        return None
    return ModelDetector()
