"""CSV export of the indicators, for a spreadsheet or a blocklist.

One row per indicator per conversation, columns
`type,value,conversation_id,campaign_id,first_seen_message,level,risk,source`, where
`source` says where the indicator came from: `message` (found in a message; the row's
`first_seen_message` is its index), `profile` (the counterpart's profile URL) or `campaign`
(listed by the campaign but not seen in an exported conversation).

A cell a spreadsheet would run as a formula (`=`, `@`, `+`, `-`, tab, carriage return first)
is prefixed with `'`, except a plain phone number such as `+447700900123`.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from pathlib import Path
from typing import Any

from lurewatch.report.sharing.files import write_text_atomic
from lurewatch.report.sharing.redact import redact_report
from lurewatch.report.sharing.selection import (
    campaign_indicators,
    conversation_indicators,
    number,
    select,
)

COLUMNS = ("type", "value", "conversation_id", "campaign_id", "first_seen_message", "level",
           "risk", "source")
_FORMULA_START = ("=", "@", "+", "-", "\t", "\r")
_PLAIN_PHONE = re.compile(r"^\+?[\d ()\-]+$")


def indicator_rows(report: dict[str, Any], *, redact: bool = True,
                   min_level: str = "medium") -> list[dict[str, str]]:
    source = redact_report(report) if redact else copy.deepcopy(report)
    selection = select(source, min_level)
    rows: list[dict[str, str]] = []
    for conv in selection.conversations:
        campaign_id = ";".join(selection.campaign_ids_of.get(conv["id"], []))
        for ind in conversation_indicators(conv):
            rows.append(_row(ind, conv["id"], campaign_id, conv.get("level"), conv.get("risk")))
    for campaign in selection.campaigns:
        shown = {(r["type"], r["value"]) for r in rows
                 if campaign["id"] in r["campaign_id"].split(";")}
        for ind in campaign_indicators(campaign):
            if (ind["type"], ind["value"]) not in shown:
                rows.append(_row(ind, "", campaign["id"], campaign.get("level"),
                                 campaign.get("risk")))
    rows.sort(key=lambda r: (r["campaign_id"], r["conversation_id"], r["type"], r["value"]))
    return rows


def write_indicators_csv(report: dict[str, Any], out_path: Path, *, redact: bool = True,
                         min_level: str = "medium") -> int:
    """Write the CSV (all or nothing); returns the number of rows."""
    rows = indicator_rows(report, redact=redact, min_level=min_level)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    write_text_atomic(Path(out_path), buffer.getvalue(), newline="")
    return len(rows)


def _row(ind: dict[str, Any], conversation_id: str, campaign_id: str, level: Any,
         risk: Any) -> dict[str, str]:
    index = ind.get("message_index")
    return {
        "type": ind["type"], "value": ind["value"], "conversation_id": conversation_id,
        "campaign_id": campaign_id,
        "first_seen_message": str(index) if isinstance(index, int) else "",
        "level": level if isinstance(level, str) else "",
        "risk": f"{number(risk):.2f}" if risk is not None else "",
        "source": ind.get("origin", "message"),
    }


def _cell(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _PLAIN_PHONE.match(value):
        return "'" + value
    return value
