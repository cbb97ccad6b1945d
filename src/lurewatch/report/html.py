"""The self-contained HTML report a non-specialist can read.

The scan report dict (the JSON contract) is turned into a small view model here, then
rendered by a Jinja2 template with autoescaping on. Untrusted text is never marked safe:
evidence highlighting cuts each message into plain pieces that the template escapes one by
one, and `finalize` neutralises bidi overrides and control characters in every value.
Nothing is loaded from outside the page: no scripts, fonts, images or stylesheets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from lurewatch.model import LEVELS, MITIGATING_STAGES, STAGES
from lurewatch.report.advice import Advice, load_advice, needs_advice
from lurewatch.report.display_text import neutralise

TEMPLATES = Path(__file__).with_name("templates")
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
_FUNNEL_RANK = {stage: rank for rank, stage in enumerate(STAGES)}
_COUNTERPART_FIELDS = ("name", "headline", "company", "location", "profile_url")


# ---------------------------------------------------------------------------- highlighting


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of message text covered by the same set of evidence spans."""

    text: str
    covered_by: tuple[int, ...] = ()  # finding numbers whose evidence covers this run
    ends: tuple[int, ...] = ()  # finding numbers whose evidence ends with this run


def split_highlights(text: str, spans: Sequence[tuple[int, int, int]]) -> list[Piece]:
    """Cut `text` at every span boundary. `spans` are (start, end, number); overlapping and
    adjacent spans are fine; out-of-range or empty spans are ignored."""
    valid = [(s, e, n) for s, e, n in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in valid), *(e for _, e, _ in valid)})
    pieces = []
    for start, end in pairwise(cuts):
        covered = tuple(sorted(n for s, e, n in valid if s <= start and end <= e))
        ends = tuple(sorted(n for _, e, n in valid if e == end))
        pieces.append(Piece(text[start:end], covered, ends))
    return pieces


def locate_evidence(text: str, stage: dict[str, Any]) -> tuple[int, int] | None:
    """Where a stage's evidence sits in its message: the given offsets when they agree with
    the quoted evidence (or nothing is quoted), else the first occurrence of the quote, else
    the offsets if they are at least inside the text."""
    start, end = stage.get("start"), stage.get("end")
    evidence = stage.get("evidence") if isinstance(stage.get("evidence"), str) else ""
    offsets_ok = (
        isinstance(start, int)
        and isinstance(end, int)
        and not isinstance(start, bool)
        and 0 <= start < end <= len(text)
    )
    if offsets_ok and (not evidence or text[start:end] == evidence):
        return start, end
    if evidence:
        found = text.find(evidence)
        if found >= 0:
            return found, found + len(evidence)
    return (start, end) if offsets_ok else None


# ---------------------------------------------------------------------------- view model


@dataclass(slots=True)
class FindingView:
    number: int
    anchor: str
    stage: str
    title: str
    why: str
    why_source: str
    explanation: str
    source: str
    evidence: str
    confidence: str
    message_index: int | None
    message_anchor: str | None
    when: str
    detector: str
    mitigating: bool


@dataclass(slots=True)
class StageGroup:
    """One stage of the funnel and every piece of evidence found for it."""

    stage: str
    title: str
    why: str
    why_source: str
    mitigating: bool
    findings: list[FindingView]


@dataclass(slots=True)
class SegmentView:
    text: str
    marked: bool
    mitigating: bool
    overlap: bool  # covered by more than one piece of evidence
    label: str
    refs: list[tuple[int, str]]  # (finding number, anchor) for evidence ending here


@dataclass(slots=True)
class MessageView:
    index: int
    anchor: str
    sender: str  # "owner" / "counterpart" / "unknown"
    sender_name: str
    platform: str
    when: str
    segments: list[SegmentView]
    first_alert: bool
    moved_to: str  # platform name when this message starts a new leg, else ""


@dataclass(slots=True)
class Leg:
    platform: str
    start: str
    end: str
    count: int


@dataclass(slots=True)
class ConversationView:
    anchor: str
    id: str
    title: str
    level: str
    level_label: str
    level_summary: str
    risk: str
    first_alert: str
    owner: str
    counterpart: dict[str, str]  # every key present, "" when unknown
    has_counterpart: bool
    timeline: list[Leg]
    reasons: list[str]
    profile_risk: str
    profile_reasons: list[str]
    findings: list[FindingView]
    stage_groups: list[StageGroup]
    indicators: list[dict[str, str]]
    messages: list[MessageView]
    source: str
    format: str
    sort_key: tuple[float, float, int] = field(default=(0.0, 0.0, 0))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _fraction(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return min(1.0, max(0.0, float(value)))


def _percent(value: Any) -> str:
    frac = _fraction(value)
    return "" if frac is None else f"{round(frac * 100)}%"


def _index(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(ts: Any) -> str:
    """An ISO timestamp as '2 Mar 2023, 14:05 UTC'; other text as given, shortened."""
    raw = _text(ts).strip()
    if not raw:
        return ""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw[:40]
    if parsed.tzinfo is None:  # the contract: a missing zone means UTC
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    return f"{parsed.day} {parsed:%b %Y, %H:%M} UTC"


def _day(ts: Any) -> str:
    when = _when(ts)
    return when.split(",")[0] if when.endswith("UTC") else when


def _level(value: Any) -> str:
    return value if value in _LEVEL_RANK else "low"


def _timeline(entry: dict[str, Any], messages: list[dict[str, Any]], advice: Advice) -> list[Leg]:
    """Platforms in the order the conversation used them, with dates when messages are known."""
    legs: list[Leg] = []
    for msg in messages:
        platform = advice.platform_name(_text(msg.get("platform")))
        if legs and legs[-1].platform == platform:
            legs[-1].count += 1
            legs[-1].end = _day(msg.get("ts")) or legs[-1].end
        else:
            day = _day(msg.get("ts"))
            legs.append(Leg(platform, day, day, 1))
    if not legs:
        platforms = _list(entry.get("platforms"))
        legs = [Leg(advice.platform_name(_text(p)), "", "", 0) for p in platforms]
    return legs


def _findings(
    anchor: str, stages: list[dict[str, Any]], messages: list[dict[str, Any]], advice: Advice
) -> list[tuple[FindingView, dict[str, Any]]]:
    ordered = sorted(
        (s for s in stages if isinstance(s, dict)),
        key=lambda s: (
            _FUNNEL_RANK.get(_text(s.get("stage")), len(STAGES)),
            _index(s.get("message_index")) or 0,
        ),
    )
    by_index = {_index(m.get("index")): m for m in messages}
    views = []
    for number, stage in enumerate(ordered, start=1):
        name = _text(stage.get("stage"))
        info = advice.for_stage(name)
        index = _index(stage.get("message_index"))
        message = by_index.get(index) if index is not None else None
        detector = " / ".join(
            t for t in (_text(stage.get("detector")), _text(stage.get("rule_id"))) if t
        )
        views.append(
            (
                FindingView(
                    number=number,
                    anchor=f"{anchor}-f{number}",
                    stage=name,
                    title=info.title,
                    why=info.why,
                    why_source=info.source,
                    explanation=_text(stage.get("explanation")),
                    source=_text(stage.get("source")),
                    evidence=_text(stage.get("evidence")),
                    confidence=_percent(stage.get("confidence")),
                    message_index=index,
                    message_anchor=f"{anchor}-m{index}" if message is not None else None,
                    when=_when(message.get("ts")) if message else "",
                    detector=detector,
                    mitigating=name in MITIGATING_STAGES,
                ),
                stage,
            )
        )
    return views


def _group(findings: Iterable[FindingView]) -> list[StageGroup]:
    """Consecutive findings of one stage together (they arrive sorted in funnel order)."""
    groups: list[StageGroup] = []
    for view in findings:
        if not groups or groups[-1].stage != view.stage:
            groups.append(
                StageGroup(view.stage, view.title, view.why, view.why_source, view.mitigating, [])
            )
        groups[-1].findings.append(view)
    return groups


def _messages(
    anchor: str,
    messages: list[dict[str, Any]],
    findings: list[tuple[FindingView, dict[str, Any]]],
    first_alert: int | None,
    advice: Advice,
) -> list[MessageView]:
    views = []
    previous_platform: str | None = None
    for msg in messages:
        index: int = msg["index"]  # filled in by _conversation
        text = _text(msg.get("text"))
        spans = []
        numbered = {}
        for view, stage in findings:
            if view.message_index == index:
                span = locate_evidence(text, stage)
                if span is not None:
                    spans.append((span[0], span[1], view.number))
                    numbered[view.number] = view
        segments = []
        for piece in split_highlights(text, spans):
            covering = [numbered[n] for n in piece.covered_by]
            segments.append(
                SegmentView(
                    text=piece.text,
                    marked=bool(covering),
                    mitigating=bool(covering) and all(v.mitigating for v in covering),
                    overlap=len(covering) > 1,
                    label="; ".join(dict.fromkeys(v.title for v in covering)),
                    refs=[(n, numbered[n].anchor) for n in piece.ends],
                )
            )
        platform = advice.platform_name(_text(msg.get("platform")))
        sender = _text(msg.get("sender"))
        views.append(
            MessageView(
                index=index,
                anchor=f"{anchor}-m{index}",
                sender=sender if sender in ("owner", "counterpart") else "unknown",
                sender_name=_text(msg.get("sender_name")),
                platform=platform,
                when=_when(msg.get("ts")),
                segments=segments,
                first_alert=first_alert is not None and index == first_alert,
                moved_to=platform if previous_platform not in (None, platform) else "",
            )
        )
        previous_platform = platform
    return views


def _conversation(position: int, entry: dict[str, Any], advice: Advice) -> ConversationView:
    anchor = f"conv-{position + 1}"
    level = _level(entry.get("level"))
    messages = [
        {**m, "index": pos if _index(m.get("index")) is None else m["index"]}
        for pos, m in enumerate(m for m in _list(entry.get("messages")) if isinstance(m, dict))
    ]
    findings = _findings(anchor, _list(entry.get("stages")), messages, advice)
    first_alert = _index(entry.get("first_alert"))
    alert_msg = next((m for m in messages if _index(m.get("index")) == first_alert), None)
    first_alert_text = ""
    if first_alert is not None:
        first_alert_text = f"message {first_alert + 1}"  # people count from 1
        if alert_msg and _when(alert_msg.get("ts")):
            first_alert_text += f" ({_when(alert_msg.get('ts'))})"
    cp = _dict(entry.get("counterpart"))
    profile = _dict(entry.get("profile"))
    wording = advice.levels[level]
    risk = _fraction(entry.get("risk"))
    return ConversationView(
        anchor=anchor,
        id=_text(entry.get("id")),
        title=_text(entry.get("title")) or _text(entry.get("id")) or f"Conversation {position + 1}",
        level=level,
        level_label=wording.label,
        level_summary=wording.summary,
        risk=_percent(risk),
        first_alert=first_alert_text,
        owner=_text(entry.get("owner")),
        counterpart={k: _text(cp.get(k)) for k in _COUNTERPART_FIELDS},
        has_counterpart=any(_text(cp.get(k)) for k in _COUNTERPART_FIELDS),
        timeline=_timeline(entry, messages, advice),
        reasons=[_text(r) for r in _list(entry.get("reasons")) if _text(r)],
        profile_risk=_percent(profile.get("risk")),
        profile_reasons=[_text(r) for r in _list(profile.get("reasons")) if _text(r)],
        findings=[view for view, _ in findings],
        stage_groups=_group(view for view, _ in findings),
        indicators=[
            {
                "type": advice.indicator_name(_text(i.get("type"))),
                "value": _text(i.get("value")),
                "message": "" if _index(i.get("message_index")) is None else str(
                    i["message_index"] + 1
                ),
            }
            for i in _list(entry.get("indicators"))
            if isinstance(i, dict)
        ],
        messages=_messages(anchor, messages, findings, first_alert, advice),
        source=_text(entry.get("source")),
        format=_text(entry.get("format")),
        sort_key=(-_LEVEL_RANK[level], -(risk or 0.0), position),
    )


def _campaigns(
    report: dict[str, Any], anchors: dict[str, str], advice: Advice
) -> list[dict[str, Any]]:
    views = []
    for camp in _list(report.get("campaigns")):
        if not isinstance(camp, dict):
            continue
        ids = [_text(c) for c in _list(camp.get("conversation_ids"))]
        views.append(
            {
                "id": _text(camp.get("id")),
                "personas": [_text(p) for p in _list(camp.get("personas")) if _text(p)],
                "conversations": [(cid, anchors.get(cid, "")) for cid in ids],
                "indicators": [
                    f"{advice.indicator_name(_text(i.get('type')))}: {_text(i.get('value'))}"
                    for i in _list(camp.get("indicators"))
                    if isinstance(i, dict)
                ],
                "reasons": [_text(r) for r in _list(camp.get("reasons")) if _text(r)],
            }
        )
    return views


def _inputs(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "path": _text(i.get("path")),
            "format": _text(i.get("format")),
            "conversations": _text(i.get("conversations")),
            "messages": _text(i.get("messages")),
            "skipped": _index(i.get("skipped")) or 0,
            "warnings": [_text(w) for w in _list(i.get("warnings")) if _text(w)],
        }
        for i in _list(report.get("inputs"))
        if isinstance(i, dict)
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _headline(counts: dict[str, int]) -> str:
    if counts["high"]:
        verb = "looks" if counts["high"] == 1 else "look"
        subject = _plural(counts["high"], "conversation")
        return f"{subject} {verb} like a covert recruitment approach"
    if counts["medium"]:
        verb = "shows" if counts["medium"] == 1 else "show"
        return f"{_plural(counts['medium'], 'conversation')} {verb} warning signs"
    return "No conversation shows the pattern of a covert recruitment approach"


def build_view(report: dict[str, Any], advice: Advice | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values (no markup)."""
    advice = advice or load_advice()
    entries = [e for e in _list(report.get("conversations")) if isinstance(e, dict)]
    conversations = [_conversation(pos, e, advice) for pos, e in enumerate(entries)]
    counts = {level: 0 for level in LEVELS}
    for conv in conversations:
        counts[conv.level] += 1
    flagged = sorted((c for c in conversations if c.level != "low"), key=lambda c: c.sort_key)
    anchors = {c.id: c.anchor for c in reversed(conversations) if c.id}  # first one wins
    tool = _dict(report.get("tool"))
    return {
        "headline": _headline(counts),
        "generated_at": _when(report.get("generated_at")),
        "tool": " ".join(t for t in (_text(tool.get("name")), _text(tool.get("version"))) if t),
        "counts": counts,
        "total": len(conversations),
        "flagged": flagged,
        "low": [c for c in conversations if c.level == "low"],
        "show_advice": needs_advice(c.level for c in conversations),
        "advice": advice,
        "campaigns": _campaigns(report, anchors, advice),
        "inputs": _inputs(report),
    }


# ---------------------------------------------------------------------------- rendering


def _finalize(value: Any) -> Any:
    """Applied to every {{ value }} before escaping: untrusted text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return neutralise(value)
    return value


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: dict[str, Any]) -> str:
    """The whole report as one self-contained HTML page."""
    template = _environment().get_template("report.html.j2")
    return template.render(**build_view(report))


def write_html(report: dict[str, Any], path: str | Path) -> Path:
    """Render and write the page (UTF-8); the file is replaced only once rendering worked."""
    target = Path(path)
    page = render_html(report)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(target)
    return target
