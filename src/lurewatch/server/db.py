"""The store: one SQLAlchemy engine (SQLite by default, PostgreSQL for teams), the tables as
SQLAlchemy Core constructs, and the migration runner.

Times are stored as ISO-8601 UTC text (`2024-05-01T09:30:00Z`), which sorts and compares the
same way in both databases; JSON is stored as text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, column, create_engine, event, table, text
from sqlalchemy.engine import Connection

from lurewatch.server import migrations

users = table("users", column("id"), column("username"), column("password_hash"),
              column("role"), column("organisation"), column("disabled"), column("created_at"))
sessions = table("sessions", column("token_hash"), column("user_id"), column("csrf"),
                 column("created_at"), column("expires_at"))
api_tokens = table("api_tokens", column("id"), column("user_id"), column("name"),
                   column("token_hash"), column("created_at"), column("last_used"),
                   column("revoked"))
reports = table("reports", column("id"), column("submitter_id"), column("content_hash"),
                column("kind"), column("filename"), column("created_at"), column("inputs"))
cases = table("cases", column("id"), column("title"), column("counterpart"), column("level"),
              column("risk"), column("stages"), column("platforms"), column("status"),
              column("labels"), column("organisation"), column("first_ts"), column("last_ts"),
              column("created_at"), column("updated_at"), column("submitter_id"),
              column("conversation"), column("entry"), column("message_count"),
              column("purged"), column("version"))
case_reports = table("case_reports", column("case_id"), column("report_id"))
case_identities = table("case_identities", column("case_id"), column("kind"), column("value"))
messages = table("messages", column("id"), column("case_id"), column("idx"), column("platform"),
                 column("sender"), column("sender_name"), column("ts"), column("text"),
                 column("fingerprint"), column("purged"))
notes = table("notes", column("id"), column("case_id"), column("author_id"),
              column("created_at"), column("text"))
campaigns = table("campaigns", column("id"), column("level"), column("risk"), column("size"),
                  column("data"), column("updated_at"))
campaign_cases = table("campaign_cases", column("campaign_id"), column("case_id"))
audit_log = table("audit_log", column("id"), column("ts"), column("user_id"),
                  column("username"), column("action"), column("case_id"), column("detail"))
settings_table = table("settings", column("key"), column("value"))


def now_iso() -> str:
    return iso(datetime.now(UTC))


def iso(ts: datetime | None) -> str | None:
    if ts is None:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(value: str | None, default: Any = None) -> Any:
    return json.loads(value) if value else default


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: BEGIN IMMEDIATE takes the write lock up front, so two
    writers queue instead of failing half-way; WAL lets readers go on meanwhile."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # an acknowledged commit survives power loss
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def schema_version(conn: Connection) -> int:
    try:
        with conn.begin_nested():
            row = conn.execute(text("SELECT MAX(version) FROM schema_version")).first()
    except Exception:
        return 0
    return int(row[0] or 0) if row else 0


def migrate(engine: Engine) -> int:
    """Apply every step newer than the database; returns the version reached. On PostgreSQL
    an advisory lock keeps two starting servers from migrating at once."""
    dialect = engine.dialect.name
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(74210001)"))
        conn.execute(text(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
            "applied_at TEXT NOT NULL)"))
        current = schema_version(conn)
        for step in migrations.steps():
            if current >= step.VERSION:
                continue
            step.upgrade(conn, dialect)
            conn.execute(text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)"),
                         {"v": step.VERSION, "t": now_iso()})
            current = step.VERSION
    return current


def get_setting(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).first()
    return row[0] if row else default


def put_setting(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(text("UPDATE settings SET value = :v WHERE key = :k"),
                           {"k": key, "v": value}).rowcount
    if not updated:
        conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, :v)"),
                     {"k": key, "v": value})
