"""The canonical conversation format, JSON Lines (spec/conversation-jsonl.md).

One conversation per line. A line that is not JSON or breaks the field table is skipped
with its line number and the reason; the rest of the file is still read. Lines are read
with a bound, so one enormous line costs bounded memory and one warning.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from lurewatch.extract.identity import normalise_handle
from lurewatch.ingest.base import ReadContext, Reader
from lurewatch.ingest.textutil import (
    IssueLimiter,
    clip_text,
    first_json_line,
    json_lines,
    open_text_source,
)
from lurewatch.model import PLATFORMS, STAGES, Conversation, Counterpart, Message

LABELS = ("hostile", "benign")
_COUNTERPART_TEXT = ("name", "headline", "company", "location", "profile_url", "notes")
_COUNTERPART_INT = ("connections", "account_age_days", "mutual_connections")
_TOP_FIELDS = frozenset({"id", "owner", "counterpart", "messages", "label", "stages"})
_MESSAGE_FIELDS = frozenset({"sender", "platform", "ts", "text", "sender_name"})


class LineError(ValueError):
    """What is wrong with one line, in words for the person running the scan."""


def parse_ts(value: Any, where: str) -> datetime | None:
    """ISO 8601 to an aware UTC datetime; a missing zone means UTC."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise LineError(f"{where}.ts is not a string")
    try:
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        raise LineError(f"{where}.ts {value[:40]!r} is not an ISO 8601 time") from None
    if ts.tzinfo is None:
        return ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


def _optional_str(record: dict[str, Any], key: str, where: str) -> str | None:
    value = record.get(key)
    if value is not None and not isinstance(value, str):
        raise LineError(f"{where}{key} is not a string")
    return value


def _counterpart(raw: Any) -> Counterpart | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise LineError("counterpart is not an object")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise LineError("counterpart has no name")
    fields: dict[str, Any] = {}
    for key in _COUNTERPART_TEXT:
        fields[key] = _optional_str(raw, key, "counterpart.")
    for key in _COUNTERPART_INT:
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise LineError(f"counterpart.{key} is not a whole number")
        fields[key] = value
    known = set(_COUNTERPART_TEXT) | set(_COUNTERPART_INT)
    extra = {k: v for k, v in raw.items() if k not in known}
    return Counterpart(extra=extra, **fields)


def _message(raw: Any, index: int, limiter: IssueLimiter | None, line: int | None) -> Message:
    where = f"messages[{index}]"
    if not isinstance(raw, dict):
        raise LineError(f"{where} is not an object")
    sender = raw.get("sender")
    if sender not in ("owner", "counterpart"):
        raise LineError(f"{where}.sender is {sender!r}, not 'owner' or 'counterpart'")
    platform = raw.get("platform")
    if platform not in PLATFORMS:
        raise LineError(f"{where}.platform {platform!r} is not one of {', '.join(PLATFORMS)}")
    text = raw.get("text")
    if not isinstance(text, str):
        raise LineError(f"{where}.text is missing or not a string")
    sender_name = _optional_str(raw, "sender_name", f"{where}.")
    return Message(
        sender=sender,
        platform=platform,
        text=clip_text(text, limiter, where, line),
        ts=parse_ts(raw.get("ts"), where),
        sender_name=sender_name,
        extra={k: v for k, v in raw.items() if k not in _MESSAGE_FIELDS},
    )


def conversation_from_record(
    record: Any,
    source: str | None = None,
    limiter: IssueLimiter | None = None,
    line: int | None = None,
) -> Conversation:
    """A Conversation from one decoded line; raises LineError saying what breaks the spec."""
    if not isinstance(record, dict):
        raise LineError("not a JSON object")
    cid = record.get("id")
    if isinstance(cid, bool) or not isinstance(cid, str | int) or str(cid).strip() == "":
        raise LineError("missing id")
    cid = str(cid)
    owner = _optional_str(record, "owner", "")
    counterpart = _counterpart(record.get("counterpart"))
    raw_messages = record.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise LineError("no messages")
    messages = [_message(m, i, limiter, line) for i, m in enumerate(raw_messages)]
    label = record.get("label")
    if label is not None and label not in LABELS:
        raise LineError(f"label {label!r} is not 'hostile' or 'benign'")
    stages = record.get("stages")
    if stages is not None:
        if not isinstance(stages, list):
            raise LineError("stages is not a list")
        unknown = [s for s in stages if s not in STAGES]
        if unknown:
            raise LineError(f"unknown stage {unknown[0]!r}")
    identities: set[tuple[str, str]] = set()
    if counterpart is not None:
        identities.add(("name", normalise_handle("name", counterpart.name)))
        url = counterpart.profile_url or ""
        if "linkedin.com/" in url.lower():
            identities.add(("linkedin-url", normalise_handle("linkedin-url", url)))
    return Conversation(
        id=cid,
        messages=messages,
        owner=owner,
        counterpart=counterpart,
        label=label,
        stages=list(stages) if stages is not None else None,
        source=source,
        format="jsonl",
        identities=identities,
        extra={k: v for k, v in record.items() if k not in _TOP_FIELDS},
    )


def _out_of_order(messages: list[Message]) -> bool:
    times = [m.ts for m in messages if m.ts is not None]
    return any(later < earlier for earlier, later in pairwise(times))


class JsonlReader(Reader):
    name = "jsonl"
    description = "lurewatch canonical conversations, JSON Lines (one conversation per line)"

    def sniff(self, path: Path) -> float:
        found = first_json_line(path)
        if found is None:
            return 0.0
        first, record = found
        if record is None:  # the first line may be longer than the sniffed head
            return 0.6 if b'"messages"' in first else 0.0
        if isinstance(record, dict) and "messages" in record:
            return 0.95
        return 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = str(path)
        with open_text_source(path, "JSON Lines") as (f, _):
            yield from self._read_lines(f, source, ctx)

    def _read_lines(self, f: Any, source: str, ctx: ReadContext) -> Iterator[Conversation]:
        limiter = IssueLimiter(ctx, source)
        first_line_of: dict[str, int] = {}
        for number, record in json_lines(f, limiter):
            try:
                conversation = conversation_from_record(record, source, limiter, number)
            except LineError as e:
                limiter.skip(f"{e}; skipped", number)
                continue
            earlier = first_line_of.get(conversation.id)
            if earlier is not None:
                limiter.skip(
                    f"duplicate id {conversation.id!r} (first on line {earlier}); skipped",
                    number,
                )
                continue
            first_line_of[conversation.id] = number
            if _out_of_order(conversation.messages):
                limiter.warn("messages are not in time order; kept as written", number)
            yield ctx.count(conversation)
        limiter.close()


READER = JsonlReader()
