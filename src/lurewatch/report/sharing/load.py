"""Reading a saved scan report for export: a bad file is one line naming it, a bad entry is
skipped with a warning naming where it sits, and the rest is still exported."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lurewatch.ingest.base import InputError, ReadContext

SCHEMA_PREFIX = "lurewatch.report/"


def load_report(path: Path, ctx: ReadContext | None = None) -> dict[str, Any]:
    """Read `path` (a `lurewatch scan --json` report) and return it checked.

    Raises InputError when the file cannot be used at all; malformed conversation or
    campaign entries are skipped through `ctx.skip` (one message each)."""
    path = Path(path)
    ctx = ctx or ReadContext(path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"{exc.__class__.__name__}: {exc}"
        raise InputError(f"{path}: cannot read the report ({reason})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    return check_report(data, ctx)


def check_report(data: Any, ctx: ReadContext) -> dict[str, Any]:
    """Validate an in-memory report (e.g. the server's selection); returns a cleaned copy."""
    where = ctx.path
    if not isinstance(data, dict):
        raise InputError(f"{where}: a scan report is a JSON object, found {type(data).__name__}")
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise InputError(f"{where}: not a lurewatch scan report (schema is {schema!r})")
    conversations = data.get("conversations")
    if not isinstance(conversations, list):
        raise InputError(f"{where}: 'conversations' must be a list")
    out = copy.deepcopy(data)  # the caller's report is never changed
    out["conversations"] = [
        c for i, c in enumerate(out["conversations"]) if _conversation_ok(c, i, ctx)
    ]
    campaigns = out.get("campaigns", [])
    if not isinstance(campaigns, list):
        ctx.warn("'campaigns' is not a list; exporting without campaigns")
        campaigns = []
    out["campaigns"] = [c for i, c in enumerate(campaigns) if _campaign_ok(c, i, ctx)]
    return out


def _conversation_ok(conv: Any, i: int, ctx: ReadContext) -> bool:
    if not isinstance(conv, dict):
        ctx.skip(f"conversations[{i}]: not an object; skipped")
        return False
    if not isinstance(conv.get("id"), str) or not conv["id"]:
        ctx.skip(f"conversations[{i}]: no 'id'; skipped")
        return False
    for key in ("stages", "indicators"):
        value = conv.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            ctx.warn(f"conversations[{i}] ({conv['id']}): '{key}' is not a list of objects; "
                     "ignored")
            conv[key] = []
    conv["indicators"] = [
        ind for ind in conv.get("indicators", [])
        if isinstance(ind.get("type"), str) and isinstance(ind.get("value"), str)
    ]
    return True


def _campaign_ok(camp: Any, i: int, ctx: ReadContext) -> bool:
    if not isinstance(camp, dict):
        ctx.skip(f"campaigns[{i}]: not an object; skipped")
        return False
    if not isinstance(camp.get("id"), str) or not camp["id"]:
        ctx.skip(f"campaigns[{i}]: no 'id'; skipped")
        return False
    ids = camp.get("conversation_ids", [])
    if not isinstance(ids, list):
        ctx.warn(f"campaigns[{i}] ({camp['id']}): 'conversation_ids' is not a list; ignored")
        camp["conversation_ids"] = []
    return True
