"""The learned stage detector: calibrated per-stage heads over static embeddings and hashed
n-grams, run after the rules, reporting only what the rules did not already see.

Every finding stays explainable: its span is the sentence of the message that the head scores
highest, and its reason names the stage in words and quotes the nearest labelled examples
(from the project's own corpus) so a person can see what the model compared it with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from lurewatch.detect.base import Detector
from lurewatch.detect.models.embed import StaticEncoder, split_sentences
from lurewatch.detect.models.heads import StageHeads
from lurewatch.detect.models.stage_text import STAGE_DESCRIPTIONS, STAGE_SOURCES
from lurewatch.model import Conversation, Explanation, Finding, Indicator

EXAMPLES_FILE = "stage_examples.json"
DETECTOR_NAME = "model:stage-heads"
MAX_QUOTE = 90


@dataclass(slots=True)
class ExampleBank:
    """Labelled example sentences with their static embeddings, for nearest-example reasons."""

    texts: list[str]
    stages: list[str]
    vectors: np.ndarray  # (n, dims) float32, L2-normalised

    @classmethod
    def load(cls, path: Path, encoder: StaticEncoder) -> ExampleBank:
        data = json.loads(path.read_text("utf-8"))
        texts = [e["text"] for e in data["examples"]]
        stages = [e["stage"] for e in data["examples"]]
        return cls(texts, stages, encoder.encode(texts).dense if texts else
                   np.zeros((0, encoder.dims), dtype=np.float32))

    def nearest(self, vector: np.ndarray, stage: str, k: int = 2) -> list[str]:
        idx = [i for i, s in enumerate(self.stages) if s == stage]
        if not idx:
            return []
        sims = self.vectors[idx] @ vector
        order = np.argsort(-sims, kind="stable")[:k]
        return [self.texts[idx[i]] for i in order]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rstrip() + "…"


class ModelDetector(Detector):
    """Stage heads over counterpart messages (the possible approacher's words)."""

    name = DETECTOR_NAME

    def __init__(self, heads: StageHeads | None = None, encoder: StaticEncoder | None = None,
                 examples: Path | None = None) -> None:
        self.encoder = encoder or StaticEncoder()
        self.heads = heads or StageHeads.load()
        if examples is None:
            examples = Path(str(resources.files("lurewatch.detect.models").joinpath(
                EXAMPLES_FILE)))
        self.examples = (ExampleBank.load(examples, self.encoder) if examples.exists()
                         else ExampleBank([], [], np.zeros((0, self.encoder.dims), np.float32)))

    @property
    def version(self) -> str:
        return self.heads.version

    def probabilities(self, conversation: Conversation) -> tuple[list[int], np.ndarray]:
        """Indices of the counterpart messages and their (n, H) stage probabilities."""
        idx = [i for i, m in enumerate(conversation.messages)
               if m.sender == "counterpart" and m.text.strip()]
        if not idx:
            return idx, np.zeros((0, len(self.heads.stages)), dtype=np.float32)
        enc = self.encoder.encode([conversation.messages[i].text for i in idx])
        return idx, self.heads.probabilities(enc)

    def detect(self, conversation: Conversation, indicators: list[Indicator]) -> list[Finding]:
        return self.detect_after(conversation, indicators, [])

    def detect_after(self, conversation: Conversation, indicators: list[Indicator],
                     prior: list[Finding]) -> list[Finding]:
        """Findings for stages the earlier detectors (`prior`) did not report at a message."""
        idx, probs = self.probabilities(conversation)
        return self.findings_from(conversation, idx, probs, prior, explain=True)

    def findings_from(self, conversation: Conversation, idx: list[int], probs: np.ndarray,
                      prior: list[Finding], explain: bool = True) -> list[Finding]:
        covered = {(f.message_index, f.stage) for f in prior}
        out: list[Finding] = []
        for row, i in enumerate(idx):
            hits = [h for h, stage in enumerate(self.heads.stages)
                    if probs[row, h] >= self.heads.thresholds[h] and (i, stage) not in covered]
            if not hits:
                continue
            text = conversation.messages[i].text
            for h in hits:
                stage = self.heads.stages[h]
                confidence = round(float(probs[row, h]), 3)
                if explain:
                    start, end, vector = self._best_sentence(text, h)
                    reason = self._reason(stage, vector)
                else:
                    start, end, reason = 0, len(text), STAGE_DESCRIPTIONS[stage]
                out.append(Finding(
                    stage=stage, message_index=i, start=start, end=end,
                    evidence=text[start:end], confidence=confidence,
                    explanation=Explanation(
                        reason=reason, source=STAGE_SOURCES[stage], detector=self.name,
                        rule_id=f"head:{stage}", original_score=confidence,
                        notes=(f"model {self.heads.version}",
                               f"threshold {float(self.heads.thresholds[h]):.2f}")),
                ))
        return out

    def _best_sentence(self, text: str, head: int) -> tuple[int, int, np.ndarray]:
        spans = split_sentences(text) or [(0, len(text))]
        enc = self.encoder.encode([text[a:b] for a, b in spans])
        scores = self.heads.probabilities(enc)[:, head]
        best = int(np.argmax(scores))
        start, end = spans[best]
        return start, end, enc.dense[best]

    def _reason(self, stage: str, vector: np.ndarray) -> str:
        reason = f"reads like {STAGE_DESCRIPTIONS[stage]}"
        near = self.examples.nearest(vector, stage)
        if near:
            quoted = "; ".join(f"'{_quote(t)}'" for t in near)
            reason += f": close to labelled examples such as {quoted}"
        return reason
