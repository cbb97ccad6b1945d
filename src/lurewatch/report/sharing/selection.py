"""What an export carries: conversations at or above a level, the campaigns they belong to,
and each conversation's indicators. Shared by the STIX, MISP and CSV generators so the
three always agree on what was shared."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lurewatch.model import LEVELS

LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}


@dataclass
class Selection:
    conversations: list[dict[str, Any]]  # selected, in report order
    campaigns: list[dict[str, Any]]  # `conversation_ids` narrowed to the selected ones
    ungrouped: list[dict[str, Any]]  # selected conversations in no campaign
    campaign_ids_of: dict[str, list[str]] = field(default_factory=dict)  # conversation -> ids

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        return next((c for c in self.conversations if c["id"] == conversation_id), None)


def check_level(min_level: str) -> str:
    if min_level not in LEVEL_RANK:
        raise ValueError(f"min_level must be one of {', '.join(LEVELS)}, not {min_level!r}")
    return min_level


def level_rank(level: Any) -> int:
    """Unknown or missing levels count as low: an export never shares what it cannot rank."""
    return LEVEL_RANK.get(level, 0) if isinstance(level, str) else 0


def select(report: dict[str, Any], min_level: str = "medium") -> Selection:
    floor = LEVEL_RANK[check_level(min_level)]
    conversations = [
        c for c in dicts(report.get("conversations"))
        if isinstance(c.get("id"), str) and level_rank(c.get("level")) >= floor
    ]
    chosen = {c["id"] for c in conversations}
    campaigns: list[dict[str, Any]] = []
    campaign_ids_of: dict[str, list[str]] = {}
    for camp in dicts(report.get("campaigns")):
        if not isinstance(camp.get("id"), str):
            continue
        members = [cid for cid in strings(camp.get("conversation_ids")) if cid in chosen]
        if not members and level_rank(camp.get("level")) < floor:
            continue
        narrowed = dict(camp, conversation_ids=members)
        campaigns.append(narrowed)
        for cid in members:
            campaign_ids_of.setdefault(cid, []).append(camp["id"])
    ungrouped = [c for c in conversations if c["id"] not in campaign_ids_of]
    return Selection(conversations, campaigns, ungrouped, campaign_ids_of)


def conversation_indicators(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """The counterpart's indicators, one per (type, value) at its first message, plus the
    counterpart's profile URL. Anything the owner sent is not an indicator of the approacher."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    owners = [id(ind) for ind in owner_sent_indicators(conv)]
    for ind in dicts(conv.get("indicators")):
        kind, value = ind.get("type"), ind.get("value")
        if not isinstance(kind, str) or not isinstance(value, str) or not value.strip():
            continue
        if id(ind) in owners:
            continue
        index = ind.get("message_index") if isinstance(ind.get("message_index"), int) else None
        key = (kind, value)
        if key not in seen or _earlier(index, seen[key]["message_index"]):
            seen[key] = {"type": kind, "value": value, "message_index": index,
                         "origin": "message"}
    profile_url = (conv.get("counterpart") or {}).get("profile_url") \
        if isinstance(conv.get("counterpart"), dict) else None
    if isinstance(profile_url, str) and profile_url.strip():
        kind = "linkedin-url" if "linkedin.com/" in profile_url.lower() else "url"
        seen.setdefault((kind, profile_url), {"type": kind, "value": profile_url,
                                              "message_index": None, "origin": "profile"})
    return list(seen.values())


def owner_sent_indicators(conv: dict[str, Any]) -> list[dict[str, Any]]:
    """Indicators only the owner sent: marked as the owner's, or found in the owner's own
    messages and never in the counterpart's ("reach me at …"). A handle the owner merely
    repeats ("added you, vivian_kbt88") stays the counterpart's."""
    messages = conv.get("messages") if isinstance(conv.get("messages"), list) else []
    owner_messages = {
        m.get("index", i) for i, m in enumerate(messages)
        if isinstance(m, dict) and m.get("sender") == "owner"
    }

    def from_owner(ind: dict[str, Any]) -> bool:
        return ind.get("sender") == "owner" or ind.get("message_index") in owner_messages

    indicators = dicts(conv.get("indicators"))
    counterpart_side = {(i.get("type"), i.get("value")) for i in indicators if not from_owner(i)}
    return [i for i in indicators
            if from_owner(i) and (i.get("type"), i.get("value")) not in counterpart_side]


def campaign_indicators(camp: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ind in dicts(camp.get("indicators")):
        if isinstance(ind.get("type"), str) and isinstance(ind.get("value"), str) \
                and ind["value"].strip():
            out.append({"type": ind["type"], "value": ind["value"], "message_index": None,
                        "origin": "campaign"})
    return out


def suspicious_profile(conv: dict[str, Any]) -> bool:
    profile = conv.get("profile")
    return isinstance(profile, dict) and number(profile.get("risk")) >= 0.5


def counterpart_name(conv: dict[str, Any]) -> str | None:
    cp = conv.get("counterpart")
    name = cp.get("name") if isinstance(cp, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def parse_ts(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def report_time(report: dict[str, Any]) -> datetime:
    """When the scan ran: every timestamp an export writes derives from it, so re-exporting
    the same report gives the same output."""
    ts = parse_ts(report.get("generated_at")) or datetime.now(UTC)
    return ts.replace(microsecond=(ts.microsecond // 1000) * 1000)


def conversation_window(conv: dict[str, Any]) -> tuple[datetime, datetime] | None:
    times = sorted(t for m in dicts(conv.get("messages")) if (t := parse_ts(m.get("ts"))))
    return (times[0], times[-1]) if times else None


def number(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def _earlier(a: int | None, b: int | None) -> bool:
    return a is not None and (b is None or a < b)


def dicts(items: Any) -> list[dict[str, Any]]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def strings(items: Any) -> list[str]:
    return [i for i in items if isinstance(i, str)] if isinstance(items, list) else []
