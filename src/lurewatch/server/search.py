"""Full-text search over message text, English and Chinese alike.

SQLite: an FTS5 table with the trigram tokenizer, which matches any substring of three or
more characters in any script (Chinese needs no word breaker). Shorter queries (a two-
character Chinese word such as 报酬) fall back to LIKE. PostgreSQL: ILIKE, served by a pg_trgm
index when the extension could be created.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, select, text
from sqlalchemy.engine import Connection

from lurewatch.server.auth import Principal
from lurewatch.server.cases import visible
from lurewatch.server.db import cases, messages

MAX_QUERY = 200
SNIPPET = 80


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching_messages(conn: Connection, query: str) -> Select:
    query = query.strip()[:MAX_QUERY]
    base = select(messages.c.id, messages.c.case_id, messages.c.idx, messages.c.text,
                  messages.c.platform, messages.c.ts, messages.c.sender_name)
    if conn.dialect.name == "sqlite" and len(query) >= 3:
        phrase = '"' + query.replace('"', '""') + '"'
        ids = text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q").bindparams(
            q=phrase).columns(column("rowid"))
        return base.where(messages.c.id.in_(select(ids.subquery().c.rowid)))
    op = messages.c.text.ilike if conn.dialect.name == "postgresql" else messages.c.text.like
    return base.where(op(_like(query), escape="\\"))


def matching_case_ids(conn: Connection, query: str) -> Select:
    return _matching_messages(conn, query).with_only_columns(messages.c.case_id).distinct()


def search(conn: Connection, who: Principal, query: str, limit: int = 100) -> list[dict[str, Any]]:
    if not query.strip():
        return []
    hits = _matching_messages(conn, query).subquery()
    q = visible(select(hits, cases.c.title, cases.c.level)
                .join(cases, cases.c.id == hits.c.case_id), who)
    rows = conn.execute(q.order_by(cases.c.risk.desc(), hits.c.case_id, hits.c.idx).limit(limit))
    return [{"case_id": r.case_id, "message_index": r.idx, "title": r.title, "level": r.level,
             "platform": r.platform, "ts": r.ts, "sender_name": r.sender_name,
             **snippet(r.text, query)} for r in rows]


def snippet(body: str, query: str) -> dict[str, str]:
    """The text around the first match, split so a page can mark the match."""
    at = body.casefold().find(query.strip().casefold())
    if at < 0:
        return {"before": body[:SNIPPET * 2], "match": "", "after": ""}
    end = at + len(query.strip())
    start = max(0, at - SNIPPET)
    return {"before": ("…" if start else "") + body[start:at], "match": body[at:end],
            "after": body[end:end + SNIPPET] + ("…" if end + SNIPPET < len(body) else "")}
