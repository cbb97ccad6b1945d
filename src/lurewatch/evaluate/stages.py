"""Per-stage precision and recall: detected stages against labelled stages.

Two granularities, both counted over every conversation that carries stage labels:

- conversation: the set of stages found anywhere in a conversation against its `stages`;
- message: the stages found in message i against the stages labelled on message i, for
  conversations whose messages carry their own `stages` (the project's corpus does; a
  message without the field is labelled with no stage).

A stage's precision is None when it was never detected, its recall None when it was never
labelled: undefined, not zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(slots=True)
class StageCounts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def to_dict(self) -> dict[str, float | int | None]:
        detected, labelled = self.tp + self.fp, self.tp + self.fn
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": labelled,
            "precision": self.tp / detected if detected else None,
            "recall": self.tp / labelled if labelled else None,
        }


@dataclass(slots=True)
class StageTally:
    """Accumulates per-stage counts over (predicted, labelled) stage-set pairs."""

    counts: dict[str, StageCounts] = field(default_factory=dict)
    units: int = 0  # conversations or messages compared

    def add(self, predicted: Iterable[str], labelled: Iterable[str]) -> None:
        p, t = set(predicted), set(labelled)
        self.units += 1
        for stage in p | t:
            c = self.counts.setdefault(stage, StageCounts())
            if stage in p and stage in t:
                c.tp += 1
            elif stage in p:
                c.fp += 1
            else:
                c.fn += 1

    def to_dict(self) -> dict[str, dict[str, float | int | None]]:
        return {stage: self.counts[stage].to_dict() for stage in sorted(self.counts)}

    def micro(self) -> dict[str, float | int | None]:
        """All stages pooled."""
        pooled = StageCounts(
            tp=sum(c.tp for c in self.counts.values()),
            fp=sum(c.fp for c in self.counts.values()),
            fn=sum(c.fn for c in self.counts.values()),
        )
        return pooled.to_dict()


def message_stage_labels(raw: object) -> list[str] | None:
    """The stages labelled on one message (`messages[].stages`), or None when absent/invalid."""
    if isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        return list(raw)
    return None
