"""The one pipeline behind the CLI and the server: inputs -> conversations -> findings -> verdicts.

    ingest (readers, stitching) -> extract (indicators) -> detect (rules, shift, profile)
    -> score (funnel) -> campaigns -> report

Conversations stream through one at a time; only the members of stitched groups and each
conversation's campaign features (its opening and handles) are held.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lurewatch import __version__
from lurewatch.detect.base import Detector
from lurewatch.detect.models import (
    fitted_weights_path,
    load_model_detector,
    load_text_signal,
    model_installed,
)
from lurewatch.ingest.base import InputIssue, ReadContext
from lurewatch.ingest.inputs import InputUnit, expand_inputs, read_unit
from lurewatch.ingest.stitch import StitchSummary, merge_conversations, plan_stitches
from lurewatch.model import (
    Conversation,
    Finding,
    Indicator,
    ProfileReview,
    ScannedConversation,
    Verdict,
)
from lurewatch.score.funnel import FunnelScorer, FunnelWeights

if TYPE_CHECKING:
    from lurewatch.detect.models.cascade import Cascade
    from lurewatch.detect.models.detector import ModelDetector
    from lurewatch.detect.models.text_risk import TextEvidence


@dataclass
class ScanOptions:
    format: str | None = None
    owner: str | None = None
    rule_dirs: list[Path] = field(default_factory=list)
    weights: Path | None = None
    stitch: bool = True
    jobs: int | None = None  # worker processes; None = decide from the input size
    # transformer second pass: messages per scan (and per worker) it may read; None: the
    # trained default (detect/models/cascade.py), 0: off
    deep: int | None = None


@dataclass
class InputSummary:
    """One entry of the report's `inputs[]`."""

    path: str
    format: str | None
    conversations: int = 0
    messages: int = 0
    skipped: int = 0
    issues: list[InputIssue] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """The input could not be read at all."""
        return any(i.severity == "error" for i in self.issues) and self.conversations == 0

    def to_report(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "conversations": self.conversations,
            "messages": self.messages,
            "skipped": self.skipped,
            "warnings": [str(i) for i in self.issues if i.severity != "error"],
            "errors": [str(i) for i in self.issues if i.severity == "error"],
        }


# What scanning adds to a conversation: findings, indicators, verdict, profile review.
Analysis = tuple[list[Finding], list[Indicator], Verdict, ProfileReview | None]

# A batch closes at this many messages (or conversations): big enough for the learned pass to
# tokenise efficiently, small enough to keep memory flat.
BATCH_MESSAGES = 2_000
BATCH_CONVERSATIONS = 500
# Inputs larger than this are scanned with one worker process per core.
PARALLEL_BYTES = 4_000_000


def _batches(conversations: Iterable[Conversation]) -> Iterator[list[Conversation]]:
    batch: list[Conversation] = []
    size = 0
    for conv in conversations:
        batch.append(conv)
        size += len(conv.messages)
        if size >= BATCH_MESSAGES or len(batch) >= BATCH_CONVERSATIONS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _input_bytes(units: list[InputUnit]) -> int:
    total = 0
    for unit in units:
        if unit.text is not None:
            total += len(unit.text)
        elif unit.path is not None and unit.reader is not None:
            paths = unit.path.rglob("*") if unit.path.is_dir() else [unit.path]
            total += sum(p.stat().st_size for p in paths if p.is_file())
    return total


def _auto_jobs(units: list[InputUnit]) -> int:
    """Worker processes for a scan. Ordinary inputs stay in one process, since starting
    workers costs a second or two. Large ones get a worker per core beside the main process
    (which reads, stitches and builds the report), at least two: on 2 cores, with one BLAS
    thread per process (`threads.py`), two workers scanned a 100k-message all-unique export
    in 6.9 s against 8.6 s for none, tied with one core taken by another job, and lost
    0.3 s on an export of repeated lines (docs/benchmarks.md)."""
    cores = os.cpu_count() or 1
    if cores < 2 or _input_bytes(units) < PARALLEL_BYTES:
        return 1
    return min(max(cores - 1, 2), 4)


@dataclass
class _Learned:
    """The learned part of a scanner: stage heads, the scorer with its text model, and the
    transformer cascade (None where not installed or off)."""

    model: ModelDetector | None
    scorer: FunnelScorer
    cascade: Cascade | None

    @classmethod
    def load(cls, weights: FunnelWeights, deep: int | None) -> _Learned:
        model = load_model_detector()
        text = load_text_signal(model) if model is not None else None
        cascade = None
        if model is not None:
            from lurewatch.detect.models.cascade import load_cascade

            cascade = load_cascade(model, deep)
        return cls(model, FunnelScorer(weights, text), cascade)


class Scanner:
    """Holds the detectors and the scorer; scans conversations and whole inputs."""

    def __init__(self, options: ScanOptions | None = None) -> None:
        from lurewatch.detect.rules.engine import RuleDetector
        from lurewatch.detect.rules.loader import load_packs
        from lurewatch.detect.shift import PlatformShiftDetector

        self.options = options or ScanOptions()
        # Rule packs and weights are read now, so a bad user file is named before the scan.
        self.packs = load_packs(self.options.rule_dirs)
        self.rules = RuleDetector(self.packs)
        self.detectors: list[Detector] = [self.rules, PlatformShiftDetector()]
        self.weights = FunnelWeights.load(self.options.weights or (
            fitted_weights_path() if model_installed() else None))
        # The learned models load on first use: a main process whose workers analyse never
        # needs them (the report names the workers' model, see `analyse_in_pool`).
        self._learned: _Learned | None = None
        self._model_id: str | None = None
        if self.options.deep:  # asked for the second pass: say now if it cannot run
            self._learn()
        self.summaries: list[InputSummary] = []

    def _learn(self) -> _Learned:
        if self._learned is None:
            self._learned = _Learned.load(self.weights, self.options.deep)
        return self._learned

    @property
    def model(self) -> ModelDetector | None:
        """The learned stage heads (second pass), or None when not installed."""
        return self._learn().model

    @property
    def scorer(self) -> FunnelScorer:
        return self._learn().scorer

    @property
    def cascade(self) -> Cascade | None:
        return self._learn().cascade

    @property
    def model_id(self) -> str:
        """What the report's `tool.model` says: rule packs, weights and model versions."""
        if self._model_id is None:
            learned = self._learn()
            self._model_id = "rules:{};{}{}{}{}".format(
                ",".join(f"{p.name}@{p.version}" for p in self.packs), self.weights.name,
                f";{learned.model.version}" if learned.model is not None else "",
                f";{learned.scorer.text.model.version}" if learned.scorer.text is not None
                else "",
                f";{learned.cascade.version}" if learned.cascade is not None else "")
        return self._model_id

    # -- conversations --------------------------------------------------------------------
    def scan_conversation(self, conversation: Conversation) -> ScannedConversation:
        return self.scan_batch([conversation])[0]

    def scan_batch(self, conversations: list[Conversation]) -> list[ScannedConversation]:
        """Scan several conversations; the learned pass runs over all of them at once."""
        return [ScannedConversation(conv, *parts)
                for conv, parts in zip(conversations, self.analyse_batch(conversations),
                                       strict=True)]

    def analyse_batch(self, conversations: list[Conversation]) -> list[Analysis]:
        """What the scan adds to each conversation (small enough to send between
        processes without the conversation itself)."""
        from lurewatch.extract.indicators import extract_indicators
        from lurewatch.profile.review import review_profile

        staged = []
        for conv in conversations:
            indicators = extract_indicators(conv)
            findings: list[Finding] = []
            for detector in self.detectors:
                findings.extend(detector.detect(conv, indicators))
            staged.append((conv, indicators, findings))
        texts: list[TextEvidence | None] = [None] * len(staged)
        if self.model is not None:
            # one encoding of the counterpart messages serves the heads and the text model
            refs, enc = self.model.encode_counterparts([conv for conv, _, _ in staged])
            learned = self.model.detect_encoded(
                [(conv, found) for conv, _, found in staged], refs, enc)
            for (_, _, findings), extra in zip(staged, learned, strict=True):
                findings.extend(extra)
            if self.scorer.text is not None:
                from lurewatch.detect.models.text_risk import evidence_many

                texts = list(evidence_many(self.scorer.text.model, refs, enc, len(staged)))
        out: list[Analysis] = []
        for (conv, indicators, findings), text in zip(staged, texts, strict=True):
            findings.sort(key=lambda f: (f.message_index, f.start, f.stage))
            profile = None
            if conv.counterpart is not None:
                profile = review_profile(conv.counterpart, conv, indicators)
            verdict = self.scorer.score(findings, conv.messages, profile, indicators, text)
            out.append((findings, indicators, verdict, profile))
        if self.cascade is not None:  # the second opinion on the verdicts nearest the line
            from lurewatch.detect.models.cascade import revise_analyses

            out = revise_analyses(self.cascade, [c for c, _, _ in staged], out, texts,
                                  self.scorer)
        return out

    # -- whole inputs -----------------------------------------------------------------------
    def scan_paths(
        self,
        paths: list[str],
        on_input: Callable[[InputUnit], None] | None = None,
    ) -> Iterator[ScannedConversation]:
        """Scan every input; `self.summaries` is filled as inputs are read."""
        units = expand_inputs(paths, self.options.format)
        yield from self.scan_units(units, on_input)

    def scan_units(
        self,
        units: list[InputUnit],
        on_input: Callable[[InputUnit], None] | None = None,
    ) -> Iterator[ScannedConversation]:
        """Scan inputs in order. Large inputs are scanned by a pool of worker processes
        (`ScanOptions.jobs`), batches returning in input order."""
        batches = _batches(self.conversations(units, on_input))
        jobs = self.options.jobs if self.options.jobs is not None else _auto_jobs(units)
        if jobs <= 1:
            for batch in batches:
                yield from self.scan_batch(batch)
            return
        from lurewatch.parallel import analyse_in_pool

        def workers_model(model_id: str) -> None:
            self._model_id = model_id

        for batch, analyses in analyse_in_pool(self.options, batches, jobs, workers_model):
            for conv, parts in zip(batch, analyses, strict=True):
                yield ScannedConversation(conv, *parts)

    def conversations(
        self,
        units: list[InputUnit],
        on_input: Callable[[InputUnit], None] | None = None,
    ) -> Iterator[Conversation]:
        """Every conversation of the inputs, approaches that crossed platforms stitched into
        one; fills `self.summaries`."""
        self.summaries = []
        readable = [u for u in units if u.reader is not None]
        plan: dict[Hashable, list[Hashable]] = {}
        if self.options.stitch and len(readable) > 1:
            plan = plan_stitches(self._summaries_for_stitching(units))
        pending: dict[int, dict[Hashable, Conversation]] = {}
        for unit_no, unit in enumerate(units):
            if on_input is not None:
                on_input(unit)
            ctx = ReadContext(path=unit.display, owner=self.options.owner)
            summary = InputSummary(unit.display, unit.reader.name if unit.reader else None)
            self.summaries.append(summary)
            for seq, conv in enumerate(read_unit(unit, ctx)):
                conv.source = conv.source or unit.display
                conv.format = conv.format or (unit.reader.name if unit.reader else None)
                key = (unit_no, seq)
                group = plan.get(key)
                if group is None:
                    yield conv
                    continue
                held = pending.setdefault(id(group), {})
                held[key] = conv
                if len(held) == len(group):
                    del pending[id(group)]
                    yield merge_conversations([held[k] for k in group])
            summary.conversations, summary.messages = ctx.conversations, ctx.messages
            summary.skipped, summary.issues = ctx.skipped, ctx.issues
        # Groups left incomplete (an input changed between the passes): scan what arrived.
        for held in pending.values():
            yield merge_conversations(list(held.values()))

    def _summaries_for_stitching(self, units: list[InputUnit]) -> Iterator[StitchSummary]:
        """First pass: read every input once, keeping only handles and names."""
        from lurewatch.extract.indicators import extract_indicators

        for unit_no, unit in enumerate(units):
            ctx = ReadContext(path=unit.display, owner=self.options.owner)
            for seq, conv in enumerate(read_unit(unit, ctx)):
                yield StitchSummary.of((unit_no, seq), conv, extract_indicators(conv))


def tool_info(scanner: Scanner) -> dict[str, str]:
    return {"name": "lurewatch", "version": __version__, "model": scanner.model_id}
