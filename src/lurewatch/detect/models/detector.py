"""The learned stage detector: calibrated per-stage heads over static embeddings and hashed
n-grams, run after the rules, reporting only what the rules did not already see.

Every finding stays explainable: its span is the sentence of the message that the head scores
highest, and its reason names the stage in words and quotes the nearest labelled examples
(from the project's own corpus) so a person can see what the model compared it with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from lurewatch.detect.base import Detector
from lurewatch.detect.models.embed import Encoded, StaticEncoder, split_sentences
from lurewatch.detect.models.heads import StageHeads
from lurewatch.detect.models.stage_text import STAGE_DESCRIPTIONS, STAGE_SOURCES
from lurewatch.model import Conversation, Explanation, Finding, Indicator

EXAMPLES_FILE = "stage_examples.json"
DETECTOR_NAME = "model:stage-heads"
MAX_QUOTE = 90
MEMO_SIZE = 20_000  # nearest-example answers kept (a few MB), then forgotten all at once


@dataclass(slots=True)
class ExampleBank:
    """Labelled example sentences with their static embeddings, for nearest-example reasons."""

    texts: list[str]
    stages: list[str]
    vectors: np.ndarray  # (n, dims) float32, L2-normalised
    by_stage: dict[str, np.ndarray] = field(default_factory=dict)
    # each stage's rows of `vectors`, gathered once (explanations query them per finding)
    stage_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    memo: dict[tuple[str, int, bytes], tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stage in set(self.stages):
            self.by_stage[stage] = np.array(
                [i for i, s in enumerate(self.stages) if s == stage], dtype=np.int64)
            self.stage_vectors[stage] = np.ascontiguousarray(self.vectors[self.by_stage[stage]])

    @classmethod
    def load(cls, path: Path, encoder: StaticEncoder) -> ExampleBank:
        data = json.loads(path.read_text("utf-8"))
        texts = [e["text"] for e in data["examples"]]
        stages = [e["stage"] for e in data["examples"]]
        return cls(texts, stages, encoder.encode(texts).dense if texts else
                   np.zeros((0, encoder.dims), dtype=np.float32))

    def nearest(self, vector: np.ndarray, stage: str, k: int = 2) -> list[str]:
        idx = self.by_stage.get(stage)
        if idx is None or not idx.size:
            return []
        # The same sentence (a template, a repeated line) gives the same vector: answer it
        # from the memo. Keyed by the vector's bytes, so the answer is exactly the same.
        key = (stage, k, vector.tobytes())
        found = self.memo.get(key)
        if found is None:
            sims = self.stage_vectors[stage] @ vector
            order = np.argsort(-sims, kind="stable")[:k]
            found = tuple(self.texts[int(idx[i])] for i in order)
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = found
        return list(found)


@lru_cache(maxsize=8192)  # a pure function of the text, and stock lines recur
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(text))


@lru_cache(maxsize=4096)  # the same few labelled examples are quoted again and again
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
        self._reasons: dict[tuple[str, bytes], str] = {}

    @property
    def version(self) -> str:
        return self.heads.version

    def probabilities(self, conversation: Conversation) -> tuple[list[int], np.ndarray]:
        """Indices of the counterpart messages and their (n, H) stage probabilities."""
        idx = _counterpart_messages(conversation)
        if not idx:
            return idx, np.zeros((0, len(self.heads.stages)), dtype=np.float32)
        enc = self.encoder.encode([conversation.messages[i].text for i in idx])
        return idx, self.heads.probabilities(enc)

    def detect(self, conversation: Conversation, indicators: list[Indicator]) -> list[Finding]:
        return self.detect_after(conversation, indicators, [])

    def detect_after(self, conversation: Conversation, indicators: list[Indicator],
                     prior: list[Finding]) -> list[Finding]:
        """Findings for stages the earlier detectors (`prior`) did not report at a message."""
        return self.detect_many([(conversation, prior)])[0]

    def detect_many(self, items: list[tuple[Conversation, list[Finding]]]
                    ) -> list[list[Finding]]:
        """`detect_after` for many conversations at once: one tokenizer call for all their
        counterpart messages and one for the sentences that need explaining, which is what
        keeps the model pass in the tens of thousands of messages a second."""
        refs, enc = self.encode_counterparts([conv for conv, _ in items])
        return self.detect_encoded(items, refs, enc)

    def encode_counterparts(self, conversations: list[Conversation]
                            ) -> tuple[list[tuple[int, int]], Encoded]:
        """Every counterpart message of the conversations, encoded in one tokenizer call:
        (conversation number, message index) of each row, ascending, and the encoding."""
        refs = [(c, i) for c, conv in enumerate(conversations)
                for i in _counterpart_messages(conv)]
        return refs, self.encoder.encode([conversations[c].messages[i].text for c, i in refs])

    def detect_encoded(self, items: list[tuple[Conversation, list[Finding]]],
                       refs: list[tuple[int, int]], enc: Encoded) -> list[list[Finding]]:
        """`detect_many` on counterpart messages already encoded by `encode_counterparts`
        (so the scanner can give the same encoding to the conversation text model)."""
        out: list[list[Finding]] = [[] for _ in items]
        if not refs:
            return out
        probs = self.heads.probabilities(enc)
        covered = [{(f.message_index, f.stage) for f in prior} for _, prior in items]
        hits: list[tuple[int, list[int]]] = []  # (row in refs, heads over threshold)
        above = probs >= self.heads.thresholds
        selected = np.flatnonzero(above.any(axis=1))
        stages = self.heads.stages
        # plain lists: a numpy call per hit row cost more than the rest of the loop
        for row, flags in zip(selected.tolist(), above[selected].tolist(), strict=True):
            c, i = refs[row]
            heads = [h for h, on in enumerate(flags)
                     if on and (i, stages[h]) not in covered[c]]
            if heads:
                hits.append((row, heads))
        spans = self._best_sentences(items, refs, hits, enc, probs)
        for (row, heads), per_head in zip(hits, spans, strict=True):
            c, i = refs[row]
            text = items[c][0].messages[i].text
            for h, (start, end, vector) in zip(heads, per_head, strict=True):
                out[c].append(self._finding(text, i, int(h), float(probs[row, h]), start, end,
                                            vector))
        return out

    def findings_from(self, conversation: Conversation, idx: list[int], probs: np.ndarray,
                      prior: list[Finding]) -> list[Finding]:
        """Findings from given probabilities (training uses out-of-fold ones), without
        explanations: the whole message is the span and the reason is the stage's words."""
        covered = {(f.message_index, f.stage) for f in prior}
        out: list[Finding] = []
        for row, i in enumerate(idx):
            text = conversation.messages[i].text
            for h, stage in enumerate(self.heads.stages):
                if probs[row, h] < self.heads.thresholds[h] or (i, stage) in covered:
                    continue
                confidence = round(float(probs[row, h]), 3)
                out.append(Finding(
                    stage=stage, message_index=i, start=0, end=len(text), evidence=text,
                    confidence=confidence,
                    explanation=Explanation(
                        reason=STAGE_DESCRIPTIONS[stage], source=STAGE_SOURCES[stage],
                        detector=self.name, rule_id=f"head:{stage}",
                        original_score=confidence)))
        return out

    def _best_sentences(self, items: list[tuple[Conversation, list[Finding]]],
                        refs: list[tuple[int, int]], hits: list[tuple[int, list[int]]],
                        enc: Encoded, probs: np.ndarray
                        ) -> list[list[tuple[int, int, np.ndarray]]]:
        """For each hit message and head, the sentence the head scores highest (its span and
        embedding). Messages of one sentence reuse the message's own encoding."""
        # Each distinct sentence is encoded once per batch (templates and repeated lines recur
        # across conversations); a text's sentences are rows `plan` of the encoding.
        sentence_row: dict[str, int] = {}
        plans: list[tuple[tuple[tuple[int, int], ...], list[int] | None]] = []
        by_text: dict[str, tuple[tuple[tuple[int, int], ...], list[int] | None]] = {}
        for row, _ in hits:
            c, i = refs[row]
            text = items[c][0].messages[i].text
            plan = by_text.get(text)
            if plan is None:
                spans = _sentence_spans(text) or ((0, len(text)),)
                if len(spans) == 1:
                    plan = (spans, None)
                else:
                    plan = (spans, [sentence_row.setdefault(text[a:b], len(sentence_row))
                                    for a, b in spans])
                by_text[text] = plan
            plans.append(plan)
        sentences = list(sentence_row)
        sent_enc = self.encoder.encode(sentences) if sentences else None
        sent_probs = self.heads.probabilities(sent_enc) if sent_enc is not None else None
        result: list[list[tuple[int, int, np.ndarray]]] = []
        for (row, heads), (spans, rows) in zip(hits, plans, strict=True):
            chosen = []
            for h in heads:
                if rows is None or sent_enc is None or sent_probs is None:
                    start, end = spans[0]
                    chosen.append((start, end, enc.dense[row]))
                    continue
                block = sent_probs[rows, h]
                best = int(np.argmax(block))
                start, end = spans[best]
                chosen.append((start, end, sent_enc.dense[rows[best]]))
            result.append(chosen)
        return result

    def _finding(self, text: str, index: int, head: int, probability: float, start: int,
                 end: int, vector: np.ndarray) -> Finding:
        stage = self.heads.stages[head]
        confidence = round(probability, 3)
        return Finding(
            stage=stage, message_index=index, start=start, end=end,
            evidence=text[start:end], confidence=confidence,
            explanation=Explanation(
                reason=self._reason(stage, vector), source=STAGE_SOURCES[stage],
                detector=self.name, rule_id=f"head:{stage}", original_score=confidence,
                notes=(f"model {self.heads.version}",
                       f"threshold {float(self.heads.thresholds[head]):.2f}")),
        )

    def _reason(self, stage: str, vector: np.ndarray) -> str:
        # keyed by the vector's bytes (as the example bank's memo), so exactly the same words
        key = (stage, vector.tobytes())
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._compose_reason(stage, vector)
            if len(self._reasons) >= MEMO_SIZE:
                self._reasons.clear()
            self._reasons[key] = reason
        return reason

    def _compose_reason(self, stage: str, vector: np.ndarray) -> str:
        reason = f"reads like {STAGE_DESCRIPTIONS[stage]}"
        near = self.examples.nearest(vector, stage)
        if near:
            quoted = "; ".join(f"'{_quote(t)}'" for t in near)
            reason += f": close to labelled examples such as {quoted}"
        return reason


def _counterpart_messages(conversation: Conversation) -> list[int]:
    return [i for i, m in enumerate(conversation.messages)
            if m.sender == "counterpart" and m.text.strip()]
