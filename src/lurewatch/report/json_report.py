"""The scan report as JSON: the contract in `shared/spec/report-json.md` (schema
`lurewatch.report/1`). Fields are only ever added, never renamed.

Additions to the spec (all optional for readers): per conversation `source`, `format`,
`title`, `owner`, `counterpart`, `reasons`, `messages` (only for medium and high
conversations, so the HTML report can show evidence in context), `stitched_from`;
per stage `start`, `end`, `detector`, `rule_id`; per input `errors`.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from lurewatch.model import Counterpart, ScannedConversation

SCHEMA = "lurewatch.report/1"


def _iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _counterpart(c: Counterpart | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "name": c.name, "headline": c.headline, "company": c.company, "location": c.location,
        "profile_url": c.profile_url, "connections": c.connections,
        "account_age_days": c.account_age_days, "mutual_connections": c.mutual_connections,
    }


def conversation_entry(sc: ScannedConversation, include_messages: bool | None = None) -> dict:
    """One `conversations[]` entry. Messages are included for medium and high verdicts unless
    `include_messages` says otherwise."""
    conv, verdict = sc.conversation, sc.verdict
    entry: dict[str, Any] = {
        "id": conv.id,
        "risk": verdict.risk,
        "level": verdict.level,
        "first_alert": verdict.first_alert,
        "stages": [
            {
                "stage": f.stage,
                "message_index": f.message_index,
                "confidence": round(f.confidence, 3),
                "evidence": f.evidence,
                "explanation": f.explanation.reason,
                "source": f.explanation.source,
                "start": f.start,
                "end": f.end,
                "detector": f.explanation.detector,
                "rule_id": f.explanation.rule_id,
            }
            for f in sc.findings
        ],
        "profile": (
            {"risk": round(sc.profile.risk, 3), "reasons": sc.profile.reasons,
             "missing": sc.profile.missing}
            if sc.profile is not None else None
        ),
        "indicators": [
            {"type": i.type, "value": i.value, "message_index": i.message_index}
            for i in sc.indicators
        ],
        "platforms": conv.platforms,
        "source": conv.source,
        "format": conv.format,
        "title": conv.extra.get("title") or (conv.counterpart.name if conv.counterpart else None),
        "owner": conv.owner,
        "counterpart": _counterpart(conv.counterpart),
        "reasons": verdict.reasons,
        "message_count": len(conv.messages),
    }
    if "stitched_from" in conv.extra:
        entry["stitched_from"] = conv.extra["stitched_from"]
    if include_messages is None:
        include_messages = verdict.level != "low"
    if include_messages:
        entry["messages"] = [
            {"index": i, "sender": m.sender, "sender_name": m.sender_name,
             "platform": m.platform, "ts": _iso(m.ts), "text": m.text}
            for i, m in enumerate(conv.messages)
        ]
    return entry


def build_report(
    conversations: list[dict],
    inputs: list[dict],
    campaigns: list[dict],
    tool: dict[str, str],
) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "generated_at": _iso(datetime.now(UTC)),
        "tool": tool,
        "inputs": inputs,
        "conversations": conversations,
        "campaigns": campaigns,
    }


def dump_json(report: dict) -> bytes:
    """The report as indented UTF-8 JSON. orjson, because the standard library's encoder
    falls back to pure Python when indenting and took seconds on a large scan."""
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"


def write_json(report: dict, path: Path) -> None:
    """Write atomically, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(dump_json(report))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
