"""Retention: message text older than N days is deleted; indicators, verdicts, stages and
their explanations stay, so campaigns and exports keep working without the words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from lurewatch.server.db import (
    cases,
    dumps,
    get_setting,
    iso,
    loads,
    messages,
    put_setting,
)

SETTING = "retention_days"
PURGED_TEXT = ""


def retention_days(conn: Connection) -> int | None:
    value = get_setting(conn, SETTING)
    return int(value) if value else None


def set_retention_days(conn: Connection, days: int | None) -> None:
    if days is not None and days < 1:
        raise ValueError("retention must be at least one day")
    put_setting(conn, SETTING, str(days) if days else "")


def apply_retention(engine: Engine, now: datetime | None = None) -> int:
    """Purge text of messages older than the setting (a message without a time counts from
    its case's creation). Returns the number of cases touched."""
    with engine.begin() as conn:
        days = retention_days(conn)
        if not days:
            return 0
        cutoff = iso((now or datetime.now(UTC)) - timedelta(days=days))
        rows = conn.execute(
            select(messages.c.id, messages.c.case_id, messages.c.idx)
            .join(cases, cases.c.id == messages.c.case_id)
            .where(messages.c.purged == 0)
            .where(((messages.c.ts.is_not(None)) & (messages.c.ts < cutoff))
                   | ((messages.c.ts.is_(None)) & (cases.c.created_at < cutoff)))).all()
        by_case: dict[int, set[int]] = {}
        for row in rows:
            by_case.setdefault(row.case_id, set()).add(row.idx)
        for case_id, indices in by_case.items():
            conn.execute(update(messages).where(messages.c.case_id == case_id,
                                                messages.c.idx.in_(indices))
                         .values(text=PURGED_TEXT, purged=1))
            entry_text = conn.execute(select(cases.c.entry).where(cases.c.id == case_id))
            entry = loads(entry_text.scalar_one(), {})
            _purge_entry(entry, indices)
            conn.execute(update(cases).where(cases.c.id == case_id)
                         .values(entry=dumps(entry), purged=1, version=cases.c.version + 1))
        return len(by_case)


def _purge_entry(entry: dict, indices: set[int]) -> None:
    for message in entry.get("messages", []):
        if message.get("index") in indices:
            message["text"] = PURGED_TEXT
            message["purged"] = True
    for stage in entry.get("stages", []):
        if stage.get("message_index") in indices:
            stage["evidence"] = PURGED_TEXT
            stage["start"] = stage["end"] = None
