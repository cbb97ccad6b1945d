"""A campaign: conversations the tool believes one operator runs, with why, and its JSON form
(the report's `campaigns[]`; fields are only ever added, never renamed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lurewatch.campaigns.watchlist import WatchlistHit

# Campaign risk levels: the same words as a conversation's level, thresholds of their own
# because a campaign's risk aggregates many verdicts.
CAMPAIGN_LEVELS: tuple[tuple[float, str], ...] = ((0.7, "high"), (0.4, "medium"), (0.0, "low"))


def campaign_level(risk: float) -> str:
    return next(level for floor, level in CAMPAIGN_LEVELS if risk >= floor)


@dataclass(slots=True)
class Campaign:
    id: str
    conversation_ids: list[str]
    personas: list[str]  # display names, most used first
    companies: list[str]  # cover companies as written, most used first
    indicators: list[dict[str, Any]]  # {"type", "value", "conversations"}: shared first
    targeted_organisations: list[dict[str, Any]]  # {"organisation", "conversations"}
    first_seen: datetime | None
    last_seen: datetime | None
    first_contacts: list[tuple[str, datetime | None]]  # (conversation id, first contact)
    reasons: list[str]  # why these conversations were grouped, plain language
    similarity: float  # 0-1: how alike the members' opening messages are
    risk: float  # 0-1: how likely the operator is hostile; separate from similarity
    level: str
    assessment: str  # one sentence: hostile-looking campaign or benign templated outreach
    risk_reasons: list[str] = field(default_factory=list)
    watchlist_hits: list[WatchlistHit] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.conversation_ids)


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat().replace("+00:00", "Z") if ts else None


def campaign_to_report(c: Campaign) -> dict[str, Any]:
    """The campaign as the scan report's `campaigns[]` entry (report-json.md)."""
    return {
        "id": c.id,
        "conversation_ids": list(c.conversation_ids),
        "personas": list(c.personas),
        "indicators": [dict(i) for i in c.indicators],
        "reasons": list(c.reasons),
        "companies": list(c.companies),
        "targeted_organisations": [dict(t) for t in c.targeted_organisations],
        "timeline": {
            "first_seen": _iso(c.first_seen),
            "last_seen": _iso(c.last_seen),
            "first_contacts": [
                {"conversation_id": cid, "first_contact": _iso(ts)}
                for cid, ts in c.first_contacts
            ],
        },
        "similarity": round(c.similarity, 3),
        "risk": round(c.risk, 3),
        "level": c.level,
        "assessment": c.assessment,
        "risk_reasons": list(c.risk_reasons),
        "watchlist_hits": [h.to_dict() for h in c.watchlist_hits],
        "size": c.size,
    }
