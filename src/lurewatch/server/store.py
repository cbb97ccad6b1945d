"""Cases in the database and back: a case holds one approach (a conversation, possibly
stitched across platforms and reports), its messages, and the scanner's entry for it."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.model import (
    Conversation,
    Counterpart,
    Explanation,
    Finding,
    Indicator,
    Message,
    ProfileReview,
    ScannedConversation,
    Verdict,
)
from lurewatch.server.db import (
    case_identities,
    cases,
    dumps,
    iso,
    loads,
    messages,
    now_iso,
)

STATUSES: tuple[str, ...] = (
    "new", "in_triage", "escalated", "closed_benign", "closed_hostile",
)
STATUS_NAMES = {
    "new": "New", "in_triage": "In triage", "escalated": "Escalated",
    "closed_benign": "Closed as benign", "closed_hostile": "Closed as hostile",
}
# Counterpart identifiers that, shared, put a new message into a known case.
STRONG_KINDS = frozenset({
    "wechat-id", "whatsapp-number", "phone", "email", "telegram", "linkedin-url",
})


class Conflict(Exception):
    """The case changed since the caller read it (its version moved on)."""


def fingerprint(m: Message) -> str:
    raw = "\x1f".join([m.platform, m.sender, iso(m.ts) or "", m.text])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def conversation_json(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id, "owner": conv.owner, "source": conv.source, "format": conv.format,
        "counterpart": asdict(conv.counterpart) if conv.counterpart else None,
        "identities": sorted([list(i) for i in conv.identities]),
        "extra": {k: v for k, v in conv.extra.items() if _jsonable(v)},
    }


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict | type(None))


def identities_of(sc: ScannedConversation) -> set[tuple[str, str]]:
    """The counterpart's identities: what the reader saw plus identifiers the counterpart
    sent (a WeChat id, a number, an address offered in the chat)."""
    found = {(k, v) for k, v in sc.conversation.identities}
    for ind in sc.indicators:
        if ind.type in STRONG_KINDS and ind.sender == "counterpart":
            found.add((ind.type, ind.value))
    return found


def rebuild_conversation(conn: Connection, case_id: int) -> Conversation:
    row = conn.execute(select(cases.c.conversation).where(cases.c.id == case_id)).one()
    data = loads(row.conversation, {})
    msgs = [
        Message(sender=r.sender, platform=r.platform, text=r.text,
                ts=datetime.fromisoformat(r.ts.replace("Z", "+00:00")) if r.ts else None,
                sender_name=r.sender_name)
        for r in conn.execute(select(messages).where(messages.c.case_id == case_id)
                              .order_by(messages.c.idx))
    ]
    cp = data.get("counterpart")
    return Conversation(
        id=data.get("id") or f"case-{case_id}", messages=msgs, owner=data.get("owner"),
        counterpart=Counterpart(**cp) if cp else None, source=data.get("source"),
        format=data.get("format"),
        identities={(k, v) for k, v in data.get("identities", [])},
        extra=dict(data.get("extra") or {}),
    )


def dedupe_messages(conv: Conversation) -> Conversation:
    seen: set[str] = set()
    kept = []
    for m in conv.messages:
        fp = fingerprint(m)
        if fp not in seen:
            seen.add(fp)
            kept.append(m)
    conv.messages = kept
    return conv


def _case_values(sc: ScannedConversation, entry: dict[str, Any]) -> dict[str, Any]:
    conv = sc.conversation
    stamps = [m.ts for m in conv.messages if m.ts is not None]
    stages = list(dict.fromkeys(f.stage for f in sc.findings))
    return {
        "title": entry.get("title") or (conv.counterpart.name if conv.counterpart else conv.id),
        "counterpart": conv.counterpart.name if conv.counterpart else None,
        "level": sc.verdict.level, "risk": float(sc.verdict.risk), "stages": dumps(stages),
        "platforms": dumps(conv.platforms), "first_ts": iso(min(stamps)) if stamps else None,
        "last_ts": iso(max(stamps)) if stamps else None, "updated_at": now_iso(),
        "conversation": dumps(conversation_json(conv)), "entry": dumps(entry),
        "message_count": len(conv.messages),
    }


def insert_case(conn: Connection, sc: ScannedConversation, entry: dict[str, Any],
                submitter_id: int, organisation: str | None) -> int:
    values = _case_values(sc, entry)
    result = conn.execute(insert(cases).values(
        status="new", labels="[]", organisation=organisation, created_at=now_iso(),
        submitter_id=submitter_id, purged=0, version=1, **values).returning(cases.c.id))
    case_id = int(result.scalar_one())
    _write_messages(conn, case_id, sc.conversation)
    _write_identities(conn, case_id, identities_of(sc))
    return case_id


def replace_case_content(conn: Connection, case_id: int, version: int,
                         sc: ScannedConversation, entry: dict[str, Any]) -> None:
    """New material joined the case: its scan changes; status, labels and notes stay."""
    done = conn.execute(update(cases).where(cases.c.id == case_id, cases.c.version == version)
                        .values(version=cases.c.version + 1, **_case_values(sc, entry)))
    if done.rowcount != 1:
        raise Conflict(f"case {case_id} changed meanwhile")
    conn.execute(delete(messages).where(messages.c.case_id == case_id))
    _write_messages(conn, case_id, sc.conversation)
    _write_identities(conn, case_id, identities_of(sc))


def _write_messages(conn: Connection, case_id: int, conv: Conversation) -> None:
    rows = [
        {"case_id": case_id, "idx": i, "platform": m.platform, "sender": m.sender,
         "sender_name": m.sender_name, "ts": iso(m.ts), "text": m.text,
         "fingerprint": fingerprint(m), "purged": 0}
        for i, m in enumerate(conv.messages)
    ]
    if rows:
        conn.execute(insert(messages), rows)


def _write_identities(conn: Connection, case_id: int, found: set[tuple[str, str]]) -> None:
    known = {(r.kind, r.value) for r in conn.execute(
        select(case_identities.c.kind, case_identities.c.value)
        .where(case_identities.c.case_id == case_id))}
    new = [{"case_id": case_id, "kind": k, "value": v} for k, v in sorted(found - known) if v]
    if new:
        conn.execute(insert(case_identities), new)


def scanned_from_entry(entry: dict[str, Any], conv_data: dict[str, Any],
                       organisation: str | None) -> ScannedConversation:
    """A ScannedConversation rebuilt from what is stored, for campaign grouping (which must
    also work after retention has removed the text)."""
    msgs = [
        Message(sender=m.get("sender") or "counterpart", platform=m.get("platform") or "other",
                text=m.get("text") or "",
                ts=datetime.fromisoformat(m["ts"].replace("Z", "+00:00")) if m.get("ts") else None,
                sender_name=m.get("sender_name"))
        for m in entry.get("messages", [])
    ]
    cp = conv_data.get("counterpart")
    extra = dict(conv_data.get("extra") or {})
    if organisation:
        extra["owner_org"] = organisation
    conv = Conversation(id=str(entry["id"]), messages=msgs, owner=conv_data.get("owner"),
                        counterpart=Counterpart(**cp) if cp else None,
                        identities={(k, v) for k, v in conv_data.get("identities", [])},
                        extra=extra)
    findings = [
        Finding(stage=s["stage"], message_index=int(s.get("message_index") or 0),
                start=s.get("start") or 0, end=s.get("end") or 0, evidence=s.get("evidence") or "",
                confidence=float(s.get("confidence") or 0.0),
                explanation=Explanation(reason=s.get("explanation") or "",
                                        source=s.get("source") or "",
                                        detector=s.get("detector") or "", rule_id=s.get("rule_id")))
        for s in entry.get("stages", [])
    ]
    senders = {m.get("index"): m.get("sender") for m in entry.get("messages", [])}
    indicators = [
        Indicator(type=i["type"], value=i["value"], message_index=i.get("message_index"),
                  sender=senders.get(i.get("message_index")))
        for i in entry.get("indicators", [])
    ]
    profile = entry.get("profile")
    return ScannedConversation(
        conversation=conv, findings=findings, indicators=indicators,
        verdict=Verdict(risk=float(entry.get("risk") or 0.0), level=entry.get("level") or "low",
                        first_alert=entry.get("first_alert"), reasons=entry.get("reasons") or []),
        profile=ProfileReview(risk=float(profile["risk"]), reasons=profile.get("reasons") or [],
                              missing=profile.get("missing") or []) if profile else None,
    )
