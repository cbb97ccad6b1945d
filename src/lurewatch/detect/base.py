"""The detector interface: like presidio's recognizers, each detector returns Findings that
carry their own explanation (stage, evidence span, confidence, plain-language reason, source)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from lurewatch.model import Conversation, Finding, Indicator


class Detector(ABC):
    name: str  # shown in Explanation.detector

    @abstractmethod
    def detect(self, conversation: Conversation, indicators: list[Indicator]) -> list[Finding]:
        """Findings for the whole conversation, in message order. Pure: no I/O, no state
        carried between conversations."""
