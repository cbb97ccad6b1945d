"""Campaigns across every case, recomputed as reports arrive (the same grouping as `scan`).

A campaign is named after its earliest case (campaign 12 holds case 12 and later ones), so
its address stays the same while cases join it. Recomputing is idempotent: if the process
dies before it, the next submission or the next start brings the campaigns up to date.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine

from lurewatch.server.db import campaign_cases, campaigns, cases, dumps, loads, now_iso
from lurewatch.server.store import scanned_from_entry

SLIM_MESSAGES = 10  # as the CLI: templates and handles sit in the first messages
_lock = threading.Lock()


def case_ref(case_id: int) -> str:
    return f"case-{case_id}"


def case_id_of(ref: str) -> int | None:
    return int(ref[5:]) if ref.startswith("case-") and ref[5:].isdigit() else None


def refresh_campaigns(engine: Engine) -> int:
    """Regroup every case; returns the number of campaigns."""
    from lurewatch.campaigns.group import campaign_to_report, group_campaigns

    with _lock:
        with engine.connect() as conn:
            rows = conn.execute(select(cases.c.id, cases.c.entry, cases.c.conversation,
                                       cases.c.organisation).order_by(cases.c.id)).all()
        scanned = []
        for row in rows:
            entry = dict(loads(row.entry, {}))
            entry["id"] = case_ref(row.id)
            entry["messages"] = entry.get("messages", [])[:SLIM_MESSAGES]
            sc = scanned_from_entry(entry, loads(row.conversation, {}), row.organisation)
            scanned.append(replace(sc, findings=[f for f in sc.findings
                                                 if f.message_index < SLIM_MESSAGES]))
        found = group_campaigns(scanned)
        records: list[tuple[int, dict[str, Any], list[int]]] = []
        for c in found:
            members = sorted(i for ref in c.conversation_ids if (i := case_id_of(ref)))
            if not members:
                continue
            data = campaign_to_report(c)
            data["id"] = f"campaign-{members[0]}"
            records.append((members[0], data, members))
        with engine.begin() as conn:
            conn.execute(delete(campaign_cases))
            conn.execute(delete(campaigns))
            stamp = now_iso()
            for cid, data, members in records:
                conn.execute(insert(campaigns).values(
                    id=cid, level=data["level"], risk=float(data["risk"]), size=len(members),
                    data=dumps(data), updated_at=stamp))
                conn.execute(insert(campaign_cases),
                             [{"campaign_id": cid, "case_id": m} for m in members])
        return len(records)
