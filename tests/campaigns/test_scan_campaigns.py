"""Campaigns of a whole scan: features are taken as conversations stream past, and a
long conversation's every message counts for when the campaign was last seen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lurewatch.pipeline import Scanner, ScanOptions
from lurewatch.runner import run_scan

T0 = datetime(2024, 5, 6, 8, 30, tzinfo=UTC)


def _conversation(cid: str, owner: str, start: datetime) -> dict:
    messages = [{"sender": "counterpart", "platform": "linkedin", "ts": start.isoformat(),
                 "text": f"Hi {owner}, I'm Vivian from Kestrel Bridge Talent. Clients of mine "
                         "pay well for short reports on grid policy. Add me on WeChat: "
                         "vivian_kbt88"}]
    for n in range(1, 14):  # a long exchange: thirteen more messages, one a day
        sender = "owner" if n % 2 else "counterpart"
        text = ("Thanks, tell me more." if sender == "owner"
                else "The client asks about the internal roadmap again; fee as agreed.")
        messages.append({"sender": sender, "platform": "wechat",
                         "ts": (start + timedelta(days=n)).isoformat(), "text": text})
    return {"id": cid, "owner": owner,
            "counterpart": {"name": "Vivian K.", "company": "Kestrel Bridge Talent"},
            "messages": messages}


def test_campaign_last_seen_counts_every_message_of_long_conversations(tmp_path: Path) -> None:
    path = tmp_path / "approaches.jsonl"
    convs = [_conversation("c-1", "Daniel Roy", T0),
             _conversation("c-2", "Anna Weber", T0 + timedelta(days=2))]
    path.write_text("".join(json.dumps(c) + "\n" for c in convs), encoding="utf-8")

    report = run_scan([str(path)], scanner=Scanner(ScanOptions(jobs=1))).report

    [campaign] = report["campaigns"]
    assert sorted(campaign["conversation_ids"]) == ["c-1", "c-2"]
    last = datetime.fromisoformat(campaign["timeline"]["last_seen"].replace("Z", "+00:00"))
    assert last == T0 + timedelta(days=2 + 13)  # the 14th message of c-2, not its 10th
    first = datetime.fromisoformat(campaign["timeline"]["first_seen"].replace("Z", "+00:00"))
    assert first == T0
