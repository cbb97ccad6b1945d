"""The one pipeline behind the CLI and the server: inputs -> conversations -> findings -> verdicts.

    ingest (readers, stitching) -> extract (indicators) -> detect (rules, shift, profile)
    -> score (funnel) -> campaigns -> report

Conversations stream through one at a time; only the members of stitched groups and a slim
copy for campaign grouping are held.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch import __version__
from lurewatch.detect.base import Detector
from lurewatch.detect.models import fitted_weights_path, load_model_detector
from lurewatch.ingest.base import InputIssue, ReadContext
from lurewatch.ingest.inputs import InputUnit, expand_inputs, read_unit
from lurewatch.ingest.stitch import StitchSummary, merge_conversations, plan_stitches
from lurewatch.model import Conversation, ScannedConversation
from lurewatch.score.funnel import FunnelScorer, FunnelWeights


@dataclass
class ScanOptions:
    format: str | None = None
    owner: str | None = None
    rule_dirs: list[Path] = field(default_factory=list)
    weights: Path | None = None
    stitch: bool = True


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


class Scanner:
    """Holds the detectors and the scorer; scans conversations and whole inputs."""

    def __init__(self, options: ScanOptions | None = None) -> None:
        from lurewatch.detect.rules.engine import RuleDetector
        from lurewatch.detect.rules.loader import load_packs
        from lurewatch.detect.shift import PlatformShiftDetector

        self.options = options or ScanOptions()
        packs = load_packs(self.options.rule_dirs)
        self.rules = RuleDetector(packs)
        self.detectors: list[Detector] = [self.rules, PlatformShiftDetector()]
        # second pass: learned stage heads, reporting what the first pass did not see
        self.model = load_model_detector()
        self.scorer = FunnelScorer(FunnelWeights.load(self.options.weights or (
            fitted_weights_path() if self.model is not None else None)))
        self.model_id = "rules:{};{}{}".format(
            ",".join(f"{p.name}@{p.version}" for p in packs), self.scorer.weights.name,
            f";{self.model.version}" if self.model is not None else "")
        self.summaries: list[InputSummary] = []

    # -- one conversation -------------------------------------------------------------------
    def scan_conversation(self, conversation: Conversation) -> ScannedConversation:
        from lurewatch.extract.indicators import extract_indicators
        from lurewatch.profile.review import review_profile

        indicators = extract_indicators(conversation)
        findings = []
        for detector in self.detectors:
            findings.extend(detector.detect(conversation, indicators))
        if self.model is not None:
            findings.extend(self.model.detect_after(conversation, indicators, findings))
        findings.sort(key=lambda f: (f.message_index, f.start, f.stage))
        profile = None
        if conversation.counterpart is not None:
            profile = review_profile(conversation.counterpart, conversation, indicators)
        verdict = self.scorer.score(findings, conversation.messages, profile, indicators)
        return ScannedConversation(conversation, findings, indicators, verdict, profile)

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
                    yield self.scan_conversation(conv)
                    continue
                held = pending.setdefault(id(group), {})
                held[key] = conv
                if len(held) == len(group):
                    del pending[id(group)]
                    yield self.scan_conversation(merge_conversations([held[k] for k in group]))
            summary.conversations, summary.messages = ctx.conversations, ctx.messages
            summary.skipped, summary.issues = ctx.skipped, ctx.issues
        # Groups left incomplete (an input changed between the passes): scan what arrived.
        for held in pending.values():
            yield self.scan_conversation(merge_conversations(list(held.values())))

    def _summaries_for_stitching(self, units: list[InputUnit]) -> Iterator[StitchSummary]:
        """First pass: read every input once, keeping only handles and names."""
        from lurewatch.extract.indicators import extract_indicators

        for unit_no, unit in enumerate(units):
            ctx = ReadContext(path=unit.display, owner=self.options.owner)
            for seq, conv in enumerate(read_unit(unit, ctx)):
                yield StitchSummary.of((unit_no, seq), conv, extract_indicators(conv))


def tool_info(scanner: Scanner) -> dict[str, str]:
    return {"name": "lurewatch", "version": __version__, "model": scanner.model_id}
