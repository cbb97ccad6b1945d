"""Run the scanner over labelled conversations and measure it.

The decision is the one `lurewatch scan` makes: a conversation is flagged when its `level`
is not `low`; `risk` is the score behind ROC-AUC, PR-AUC, recall at a false-positive rate
and calibration. Early detection scans each conversation cut to its first k messages, as
if the rest had not been written yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from statistics import mean, median
from typing import TYPE_CHECKING, Any

from lurewatch.evaluate.metrics import (
    DEFAULT_BINS,
    binary_summary,
    calibration_bins,
    expected_calibration_error,
)
from lurewatch.evaluate.stages import StageTally, message_stage_labels
from lurewatch.evaluate.uncertainty import (
    CONFIDENCE,
    DEFAULT_RESAMPLES,
    bootstrap_intervals,
    calibration_noise,
)
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.inputs import expand_inputs, read_unit
from lurewatch.model import Conversation

if TYPE_CHECKING:
    from lurewatch.pipeline import Scanner

SCHEMA = "lurewatch.eval/1"
DEFAULT_PREFIXES: tuple[int, ...] = (3, 5, 7)
BREAKDOWNS: tuple[str, ...] = ("dataset", "scenario", "lang")
UNKNOWN = "unknown"


@dataclass
class EvalOptions:
    format: str | None = None
    split: str | None = None  # keep only conversations of this split (when they carry one)
    rule_dirs: list[Path] = field(default_factory=list)
    weights: Path | None = None
    prefixes: tuple[int, ...] = DEFAULT_PREFIXES
    bins: int = DEFAULT_BINS
    plots_dir: Path | None = None
    title: str = "lurewatch"
    resamples: int = DEFAULT_RESAMPLES  # bootstrap resamples for the intervals; 0: none


@dataclass(slots=True)
class Outcome:
    """What the scanner said about one labelled conversation, and what the labels say."""

    id: str
    hostile: bool
    risk: float
    level: str
    first_alert: int | None
    messages: int
    attributes: dict[str, str]  # dataset, scenario, lang, split
    predicted_stages: set[str]
    labelled_stages: list[str] | None
    message_stages: list[tuple[set[str], list[str]]] | None  # (found, labelled) per message
    prefix: dict[int, tuple[float, str]]  # k -> (risk, level) on the first k messages

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": "hostile" if self.hostile else "benign",
            "risk": self.risk, "level": self.level, "first_alert": self.first_alert,
            "messages": self.messages, **self.attributes,
            "stages": sorted(self.predicted_stages),
            "prefix": {str(k): {"risk": r, "level": lv} for k, (r, lv) in self.prefix.items()},
        }


def conversation_attributes(conv: Conversation) -> dict[str, str]:
    """The groups a conversation is reported under: data set, scenario, language, split."""
    extra = conv.extra
    truth = extra.get("ground_truth") if isinstance(extra.get("ground_truth"), dict) else {}
    dataset = extra.get("dataset") or conv.format or UNKNOWN
    scenario = extra.get("scenario") or truth.get("Scenario") or UNKNOWN
    # SEConvo is English throughout; it carries no language field.
    lang = extra.get("lang") or ("en" if dataset == "SEConvo" else UNKNOWN)
    split = extra.get("split")
    return {"dataset": str(dataset), "scenario": str(scenario), "lang": str(lang),
            "split": str(split) if split is not None else UNKNOWN}


def _message_pairs(conv: Conversation, findings: Iterable[Any]
                   ) -> list[tuple[set[str], list[str]]] | None:
    labels = [message_stage_labels(m.extra.get("stages")) for m in conv.messages]
    if conv.stages is None or all(lab is None for lab in labels):
        return None
    found: list[set[str]] = [set() for _ in conv.messages]
    for f in findings:
        if 0 <= f.message_index < len(found):
            found[f.message_index].add(f.stage)
    return [(found[i], labels[i] or []) for i in range(len(found))]


def score_conversation(
    scanner: Scanner, conv: Conversation, prefixes: Iterable[int] = DEFAULT_PREFIXES
) -> Outcome:
    """Scan a labelled conversation whole and cut to each prefix length."""
    assert conv.label in ("hostile", "benign")
    scanned = scanner.scan_conversation(conv)
    verdict = scanned.verdict
    prefix: dict[int, tuple[float, str]] = {}
    for k in prefixes:
        if len(conv.messages) <= k:  # the cut is the whole conversation
            prefix[k] = (verdict.risk, verdict.level)
            continue
        cut = scanner.scan_conversation(replace(conv, messages=conv.messages[:k]))
        prefix[k] = (cut.verdict.risk, cut.verdict.level)
    return Outcome(
        id=conv.id,
        hostile=conv.label == "hostile",
        risk=float(verdict.risk),
        level=verdict.level,
        first_alert=verdict.first_alert,
        messages=len(conv.messages),
        attributes=conversation_attributes(conv),
        predicted_stages={f.stage for f in scanned.findings},
        labelled_stages=list(conv.stages) if conv.stages is not None else None,
        message_stages=_message_pairs(conv, scanned.findings),
        prefix=prefix,
    )


def _block(outcomes: list[Outcome], k: int | None = None) -> dict[str, Any]:
    y, risks, levels = _decisions(outcomes, k)
    return binary_summary(y, risks, [int(lv != "low") for lv in levels],
                          [int(lv == "high") for lv in levels])


def _first_alerts(outcomes: list[Outcome], prefixes: Iterable[int]) -> dict[str, Any]:
    hostile = [o for o in outcomes if o.hostile]
    alerts = [o.first_alert for o in hostile if o.first_alert is not None]
    return {
        "hostile": len(hostile),
        "alerted": len(alerts),
        "median_index": median(alerts) if alerts else None,
        "mean_index": mean(alerts) if alerts else None,
        # read in order, the share of hostile conversations alerted on within k messages
        "alerted_within": {
            str(k): (sum(a < k for a in alerts) / len(hostile) if hostile else None)
            for k in prefixes
        },
    }


def _stage_metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    conversation, message = StageTally(), StageTally()
    for o in outcomes:
        if o.labelled_stages is not None:
            conversation.add(o.predicted_stages, o.labelled_stages)
        for found, labelled in o.message_stages or []:
            message.add(found, labelled)
    return {
        "conversations_compared": conversation.units,
        "messages_compared": message.units,
        "conversation": conversation.to_dict(),
        "conversation_all_stages": conversation.micro() if conversation.units else None,
        "message": message.to_dict(),
        "message_all_stages": message.micro() if message.units else None,
    }


def _decisions(outcomes: list[Outcome], k: int | None = None
               ) -> tuple[list[int], list[float], list[str]]:
    """Labels, risks and levels of whole conversations, or of their first `k` messages."""
    y = [int(o.hostile) for o in outcomes]
    if k is None:
        return y, [o.risk for o in outcomes], [o.level for o in outcomes]
    return y, [o.prefix[k][0] for o in outcomes], [o.prefix[k][1] for o in outcomes]


def _intervals(outcomes: list[Outcome], options: EvalOptions, k: int | None = None
               ) -> dict[str, list[float] | None]:
    y, risks, levels = _decisions(outcomes, k)
    return bootstrap_intervals(y, risks, [int(lv != "low") for lv in levels], options.bins,
                               options.resamples)


def _uncertainty(outcomes: list[Outcome], options: EvalOptions, ece: float | None
                 ) -> dict[str, Any] | None:
    if options.resamples <= 0 or not outcomes:
        return None
    return {
        "method": "stratified bootstrap (classes resampled separately), percentile intervals",
        "resamples": options.resamples,
        "confidence": CONFIDENCE,
        "overall": _intervals(outcomes, options),
        "early": {str(k): _intervals(outcomes, options, k) for k in options.prefixes},
        # the ECE perfect calibration would show on these risks (labels drawn from them)
        "calibration_noise": calibration_noise([o.risk for o in outcomes], ece, options.bins,
                                               options.resamples),
    }


def summarise(outcomes: list[Outcome], options: EvalOptions) -> dict[str, Any]:
    """All figures of one evaluation run, JSON-ready (no inputs or tool section)."""
    y = [int(o.hostile) for o in outcomes]
    risks = [o.risk for o in outcomes]
    bins = calibration_bins(y, risks, options.bins) if outcomes else []
    ece = expected_calibration_error(y, risks, options.bins) if outcomes else None
    plot = None
    if options.plots_dir is not None and outcomes:
        from lurewatch.evaluate.plots import write_reliability_diagram

        plot = str(write_reliability_diagram(
            bins, options.plots_dir / "reliability.png",
            f"{options.title}: reliability, {len(outcomes)} conversations", ece))
    breakdowns: dict[str, dict[str, Any]] = {}
    for key in BREAKDOWNS:
        groups: dict[str, list[Outcome]] = {}
        for o in outcomes:
            groups.setdefault(o.attributes[key], []).append(o)
        breakdowns[key] = {name: _block(groups[name]) for name in sorted(groups)}
    return {
        "overall": _block(outcomes),
        "early": {str(k): _block(outcomes, k) for k in options.prefixes},
        "first_alert": _first_alerts(outcomes, options.prefixes),
        "calibration": {"ece": ece, "bins": options.bins,
                        "binning": "equal-width over [0, 1], last bin closed",
                        "reliability": [b.to_dict() for b in bins], "plot": plot},
        "stages": _stage_metrics(outcomes),
        "breakdowns": breakdowns,
        "uncertainty": _uncertainty(outcomes, options, ece),
    }


@dataclass
class InputTally:
    """One entry of the result's `inputs[]`."""

    path: str
    format: str | None
    read: int = 0
    evaluated: int = 0
    unlabelled: int = 0
    other_split: int = 0
    without_split: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def labelled_conversations(
    paths: list[str], options: EvalOptions, tallies: list[InputTally]
) -> Iterable[Conversation]:
    """Labelled conversations of the inputs, in order, filtered to `options.split`.

    A conversation without a split is kept (its file has no splits; say which file in
    the tally) so a test-only file such as SEConvo's `annotated_test.json` can be read
    with `--split test`.
    """
    for unit in expand_inputs(paths, options.format):
        tally = InputTally(unit.display, unit.reader.name if unit.reader else None)
        tallies.append(tally)
        ctx = ReadContext(path=unit.display)
        for conv in read_unit(unit, ctx):
            tally.read += 1
            if conv.label not in ("hostile", "benign"):
                tally.unlabelled += 1
                continue
            if options.split is not None:
                split = conv.extra.get("split")
                if split is None:
                    tally.without_split += 1
                elif split != options.split:
                    tally.other_split += 1
                    continue
            tally.evaluated += 1
            yield conv
        tally.skipped = ctx.skipped
        tally.warnings = [str(i) for i in ctx.issues if i.severity != "error"]
        tally.errors = [str(i) for i in ctx.issues if i.severity == "error"]


def run_evaluation(
    paths: list[str],
    options: EvalOptions | None = None,
    scanner: Scanner | None = None,
    on_conversation: Callable[[Outcome], None] | None = None,
) -> dict[str, Any]:
    """Read, scan and measure; the result dict is what `lurewatch eval --json` writes."""
    from lurewatch.pipeline import Scanner, ScanOptions, tool_info

    options = options or EvalOptions()
    if scanner is None:
        scanner = Scanner(ScanOptions(format=options.format, rule_dirs=list(options.rule_dirs),
                                      weights=options.weights, stitch=False))
    tallies: list[InputTally] = []
    outcomes: list[Outcome] = []
    for conv in labelled_conversations(paths, options, tallies):
        outcome = score_conversation(scanner, conv, options.prefixes)
        outcomes.append(outcome)
        if on_conversation is not None:
            on_conversation(outcome)
    weights = scanner.scorer.weights
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": tool_info(scanner),
        "decision": {"flagged": 'level != "low"', "medium": weights.medium,
                     "high": weights.high},
        "split": options.split,
        "prefixes": list(options.prefixes),
        "inputs": [t.to_dict() for t in tallies],
        **summarise(outcomes, options),
        "conversations": [o.to_dict() for o in outcomes],
    }
