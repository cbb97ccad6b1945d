"""The audit log: every read and change of a case, written in the same transaction as the
change itself, so a change without its record (or the reverse) cannot happen."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from lurewatch.server.auth import Principal
from lurewatch.server.db import audit_log, dumps, now_iso


def record(conn: Connection, who: Principal | None, action: str, case_id: int | None = None,
           detail: dict[str, Any] | None = None) -> None:
    conn.execute(insert(audit_log).values(
        ts=now_iso(), user_id=who.id if who else None, username=who.username if who else None,
        action=action, case_id=case_id, detail=dumps(detail) if detail else None))
