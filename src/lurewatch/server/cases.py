"""Reading and changing cases: the triage queue, one case, status and labels (with conflict
detection), notes, campaigns and the report JSON behind every export."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, insert, select, update
from sqlalchemy.engine import Connection

from lurewatch.model import LEVELS, PLATFORMS, STAGES
from lurewatch.server import audit
from lurewatch.server.auth import Principal
from lurewatch.server.campaign_store import case_id_of, case_ref
from lurewatch.server.db import (
    campaign_cases,
    campaigns,
    case_reports,
    cases,
    dumps,
    loads,
    messages,
    notes,
    now_iso,
    reports,
    users,
)
from lurewatch.server.store import STATUSES, Conflict

MAX_LABELS = 20
_LABEL = re.compile(r"^[\w .:/+-]{1,40}$", re.UNICODE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class CaseFilter:
    level: str | None = None
    stage: str | None = None
    platform: str | None = None
    status: str | None = None
    date_from: str | None = None  # YYYY-MM-DD, on the approach's own dates
    date_to: str | None = None
    organisation: str | None = None
    label: str | None = None
    q: str | None = None  # full text over messages

    def check(self) -> None:
        for value, allowed, name in ((self.level, LEVELS, "level"), (self.stage, STAGES, "stage"),
                                     (self.platform, PLATFORMS, "platform"),
                                     (self.status, STATUSES, "status")):
            if value and value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        for value in (self.date_from, self.date_to):
            if value and not _DATE.match(value):
                raise ValueError("dates are written YYYY-MM-DD")


def visible(query: Select, who: Principal) -> Select:
    """Reporters see the cases their own reports made or joined; analysts see all."""
    if who.can("analyst"):
        return query
    mine = exists().where(case_reports.c.case_id == cases.c.id,
                          case_reports.c.report_id == reports.c.id,
                          reports.c.submitter_id == who.id)
    return query.where(mine)


def can_see(conn: Connection, who: Principal, case_id: int) -> bool:
    return conn.execute(visible(select(cases.c.id).where(cases.c.id == case_id), who)
                        ).first() is not None


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_cases(conn: Connection, who: Principal, f: CaseFilter, limit: int = 200,
               offset: int = 0) -> list[dict[str, Any]]:
    f.check()
    q = visible(select(cases.c.id, cases.c.title, cases.c.counterpart, cases.c.level,
                       cases.c.risk, cases.c.stages, cases.c.platforms, cases.c.status,
                       cases.c.labels, cases.c.organisation, cases.c.first_ts, cases.c.last_ts,
                       cases.c.created_at, cases.c.updated_at, cases.c.message_count,
                       cases.c.version), who)
    if f.level:
        q = q.where(cases.c.level == f.level)
    if f.status:
        q = q.where(cases.c.status == f.status)
    if f.stage:
        q = q.where(cases.c.stages.like(f'%"{f.stage}"%'))
    if f.platform:
        q = q.where(cases.c.platforms.like(f'%"{f.platform}"%'))
    if f.label:
        q = q.where(cases.c.labels.like(_like(dumps(f.label)), escape="\\"))
    if f.organisation:
        q = q.where(func.lower(cases.c.organisation) == f.organisation.strip().lower())
    if f.date_from:
        q = q.where(func.coalesce(cases.c.last_ts, cases.c.created_at) >= f.date_from)
    if f.date_to:
        q = q.where(func.coalesce(cases.c.first_ts, cases.c.created_at)
                    <= f.date_to + "T23:59:59Z")
    if f.q:
        from lurewatch.server.search import matching_case_ids

        q = q.where(cases.c.id.in_(matching_case_ids(conn, f.q)))
    q = q.order_by(cases.c.risk.desc(), cases.c.id.desc()).limit(limit).offset(offset)
    return [_summary(r) for r in conn.execute(q)]


def _summary(r: Any) -> dict[str, Any]:
    return {
        "id": r.id, "title": r.title, "counterpart": r.counterpart, "level": r.level,
        "risk": round(float(r.risk), 3), "stages": loads(r.stages, []),
        "platforms": loads(r.platforms, []), "status": r.status, "labels": loads(r.labels, []),
        "organisation": r.organisation, "first_ts": r.first_ts, "last_ts": r.last_ts,
        "created_at": r.created_at, "updated_at": r.updated_at,
        "message_count": r.message_count, "version": r.version,
    }


def organisations(conn: Connection) -> list[str]:
    rows = conn.execute(select(cases.c.organisation).where(cases.c.organisation.is_not(None))
                        .distinct().order_by(cases.c.organisation))
    return [r[0] for r in rows if r[0]]


def read_case(conn: Connection, who: Principal, case_id: int, *, record: bool = True
              ) -> dict[str, Any] | None:
    """The case with its scan entry (what `scan` reports), notes and campaigns; the read is
    recorded in the audit log."""
    row = conn.execute(visible(select(cases).where(cases.c.id == case_id), who)).first()
    if row is None:
        return None
    case = _summary(row)
    case["entry"] = loads(row.entry, {})
    case["purged"] = bool(row.purged)
    case["campaigns"] = [
        {"id": c.id, "level": c.level, "risk": round(float(c.risk), 3), "size": c.size}
        for c in conn.execute(select(campaigns.c.id, campaigns.c.level, campaigns.c.risk,
                                     campaigns.c.size)
                              .join(campaign_cases, campaign_cases.c.campaign_id == campaigns.c.id)
                              .where(campaign_cases.c.case_id == case_id))
    ]
    case["reports"] = [
        {"id": r.id, "kind": r.kind, "filename": r.filename, "created_at": r.created_at}
        for r in conn.execute(select(reports.c.id, reports.c.kind, reports.c.filename,
                                     reports.c.created_at)
                              .join(case_reports, case_reports.c.report_id == reports.c.id)
                              .where(case_reports.c.case_id == case_id).order_by(reports.c.id))
    ]
    case["notes"] = [] if not who.can("analyst") else [
        {"id": n.id, "author": n.username, "created_at": n.created_at, "text": n.text}
        for n in conn.execute(select(notes.c.id, notes.c.created_at, notes.c.text,
                                     users.c.username)
                              .join(users, users.c.id == notes.c.author_id, isouter=True)
                              .where(notes.c.case_id == case_id).order_by(notes.c.id))
    ]
    if record:
        audit.record(conn, who, "case.read", case_id)
    return case


def update_case(conn: Connection, who: Principal, case_id: int, version: int,
                status: str | None = None, labels: list[str] | None = None) -> dict[str, Any]:
    """Change status and/or labels, only if nobody changed the case since `version` was read
    (optimistic concurrency); raises Conflict otherwise, LookupError if there is no case."""
    values: dict[str, Any] = {}
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        values["status"] = status
    if labels is not None:
        clean = list(dict.fromkeys(lbl.strip() for lbl in labels if lbl.strip()))
        if len(clean) > MAX_LABELS or not all(_LABEL.match(lbl) for lbl in clean):
            raise ValueError(f"labels: at most {MAX_LABELS}, each 1-40 letters, digits, "
                             "spaces or . : / + -")
        values["labels"] = dumps(clean)
    if not values:
        raise ValueError("nothing to change: give status and/or labels")
    before = conn.execute(select(cases.c.status, cases.c.labels, cases.c.version)
                          .where(cases.c.id == case_id)).first()
    if before is None:
        raise LookupError(case_id)
    done = conn.execute(update(cases).where(cases.c.id == case_id, cases.c.version == version)
                        .values(version=cases.c.version + 1, updated_at=now_iso(), **values))
    if done.rowcount != 1:
        raise Conflict(f"case {case_id} was changed by someone else (now version "
                       f"{before.version}, you had {version}); reload it and apply your change "
                       "again")
    audit.record(conn, who, "case.update", case_id, {
        "version": version + 1,
        **{k: {"from": loads(getattr(before, k)) if k == "labels" else getattr(before, k),
               "to": loads(v) if k == "labels" else v} for k, v in values.items()}})
    return {"id": case_id, "version": version + 1}


def add_note(conn: Connection, who: Principal, case_id: int, body: str) -> int:
    body = body.strip()
    if not body or len(body) > 20_000:
        raise ValueError("a note needs 1 to 20,000 characters")
    if conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
        raise LookupError(case_id)
    note_id = int(conn.execute(insert(notes).values(
        case_id=case_id, author_id=who.id, created_at=now_iso(), text=body)
        .returning(notes.c.id)).scalar_one())
    audit.record(conn, who, "case.note", case_id, {"note": note_id})
    return note_id


def list_campaigns(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    out = []
    for row in conn.execute(select(campaigns).order_by(campaigns.c.risk.desc(),
                                                       campaigns.c.size.desc())):
        data = loads(row.data, {})
        out.append({"id": row.id, "level": row.level, "risk": round(float(row.risk), 3),
                    "size": row.size, "personas": data.get("personas", []),
                    "companies": data.get("companies", []),
                    "assessment": data.get("assessment"), "updated_at": row.updated_at})
    return out


def read_campaign(conn: Connection, who: Principal, campaign_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).first()
    if row is None:
        return None
    data = loads(row.data, {})
    member_ids = [r.case_id for r in conn.execute(
        select(campaign_cases.c.case_id).where(campaign_cases.c.campaign_id == campaign_id)
        .order_by(campaign_cases.c.case_id))]
    data["cases"] = list_cases_by_id(conn, who, member_ids)
    audit.record(conn, who, "campaign.read", None, {"campaign": campaign_id})
    return data


def list_cases_by_id(conn: Connection, who: Principal, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    q = visible(select(cases.c.id, cases.c.title, cases.c.counterpart, cases.c.level,
                       cases.c.risk, cases.c.stages, cases.c.platforms, cases.c.status,
                       cases.c.labels, cases.c.organisation, cases.c.first_ts, cases.c.last_ts,
                       cases.c.created_at, cases.c.updated_at, cases.c.message_count,
                       cases.c.version), who).where(cases.c.id.in_(ids))
    return [_summary(r) for r in conn.execute(q.order_by(cases.c.first_ts, cases.c.id))]


def campaign_case_ids(conn: Connection, campaign_id: int) -> list[int]:
    return [r.case_id for r in conn.execute(
        select(campaign_cases.c.case_id).where(campaign_cases.c.campaign_id == campaign_id))]


def selection_report(conn: Connection, who: Principal, case_ids: list[int]) -> dict[str, Any]:
    """A scan report (report-json.md) holding the selected cases and the campaigns among
    them: the input every export reads."""
    from lurewatch import __version__
    from lurewatch.report.json_report import build_report

    rows = conn.execute(visible(select(cases.c.id, cases.c.entry)
                                .where(cases.c.id.in_(case_ids)), who).order_by(cases.c.id)).all()
    chosen = {r.id for r in rows}
    entries = []
    for r in rows:
        entry = loads(r.entry, {})
        entry["id"] = case_ref(r.id)
        entries.append(entry)
        audit.record(conn, who, "case.export", r.id)
    found = []
    camp_ids = {c.campaign_id for c in conn.execute(
        select(campaign_cases.c.campaign_id).where(campaign_cases.c.case_id.in_(chosen)))}
    for row in conn.execute(select(campaigns).where(campaigns.c.id.in_(camp_ids))):
        data = loads(row.data, {})
        members = [ref for ref in data.get("conversation_ids", []) if case_id_of(ref) in chosen]
        if members:
            data["conversation_ids"] = members
            data["size"] = len(members)
            found.append(data)
    tool = {"name": "lurewatch", "version": __version__, "model": "server"}
    return build_report(entries, [], found, tool)


def case_filter_ids(conn: Connection, who: Principal, f: CaseFilter) -> list[int]:
    return [c["id"] for c in list_cases(conn, who, f, limit=10_000)]


def count_by_status(conn: Connection) -> dict[str, int]:
    return {r.status: r.n for r in conn.execute(
        select(cases.c.status, func.count().label("n")).group_by(cases.c.status))}


def message_rows(conn: Connection, case_id: int) -> list[Any]:
    return conn.execute(select(messages).where(messages.c.case_id == case_id)
                        .order_by(messages.c.idx)).all()



