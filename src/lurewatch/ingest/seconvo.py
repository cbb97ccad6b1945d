"""SEConvo research data (Ai et al., EMNLP 2024): LinkedIn-style outreach conversations.

`{"Conversations": [{"Conversation": [{"Name", "Message"}, ...], "GroundTruth": {...}}]}`.
The requester speaks first (even indices) and is the counterpart; the other speaker is
the owner. Turns are assigned by position, not by name: a few conversations in the data
set repeat or misspell a name. The file is streamed with ijson, one conversation at a
time. Text damaged by a UTF-8/Windows-1252 mix-up ("itâ€™s") is repaired.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from lurewatch.extract.identity import normalise_handle
from lurewatch.ingest.base import InputError, ReadContext, Reader
from lurewatch.ingest.textutil import (
    SNIFF_BYTES,
    IssueLimiter,
    clip_text,
    open_text_source,
    repair_mojibake,
)
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "linkedin"
_HEAD = re.compile(rb'^\s*\{\s*"Conversations"\s*:\s*\[')


class ConversationError(ValueError):
    """What is wrong with one conversation of the file."""


def _majority(names: list[str]) -> str | None:
    counted = Counter(n for n in names if n)
    return counted.most_common(1)[0][0] if counted else None


def conversation_from_item(
    item: Any, position: int, source: str | None, limiter: IssueLimiter | None = None
) -> Conversation:
    """One SEConvo conversation; raises ConversationError when it has no readable turns."""
    if not isinstance(item, dict):
        raise ConversationError("not an object")
    turns = item.get("Conversation")
    if not isinstance(turns, list) or not turns:
        raise ConversationError("no 'Conversation' turns")
    truth = item.get("GroundTruth")
    truth = truth if isinstance(truth, dict) else {}
    conversation_id = truth.get("ConversationID")
    cid = f"seconvo:{conversation_id if conversation_id is not None else position}"
    messages: list[Message] = []
    names: dict[str, list[str]] = {"counterpart": [], "owner": []}
    for index, turn in enumerate(turns):
        if not isinstance(turn, dict) or not isinstance(turn.get("Message"), str):
            raise ConversationError(f"turn {index} has no 'Message' text")
        sender = "counterpart" if index % 2 == 0 else "owner"
        name = turn.get("Name") if isinstance(turn.get("Name"), str) else None
        names[sender].append(name or "")
        text = clip_text(repair_mojibake(turn["Message"]), limiter, f"{cid} turn {index}")
        messages.append(
            Message(sender=sender, platform=PLATFORM, text=text, sender_name=name)
        )
    counterpart_name = _majority(names["counterpart"])
    malicious = truth.get("IsMalicious")
    label = None if not isinstance(malicious, bool) else ("hostile" if malicious else "benign")
    return Conversation(
        id=cid,
        messages=messages,
        owner=_majority(names["owner"]),
        counterpart=Counterpart(name=counterpart_name) if counterpart_name else None,
        label=label,
        source=source,
        format="seconvo",
        identities=(
            {("name", normalise_handle("name", counterpart_name))} if counterpart_name else set()
        ),
        extra={"dataset": "SEConvo", "position": position, "ground_truth": truth},
    )


class SEConvoReader(Reader):
    name = "seconvo"
    description = "SEConvo research data set (JSON with a 'Conversations' list)"

    def sniff(self, path: Path) -> float:
        if not path.is_file():
            return 0.0
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        return 0.95 if _HEAD.match(head) else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = str(path)
        with open_text_source(path, "SEConvo JSON") as (f, _):
            yield from self._read_items(f, source, ctx)

    def _read_items(self, f: Any, source: str, ctx: ReadContext) -> Iterator[Conversation]:
        limiter = IssueLimiter(ctx, source)
        position = -1
        try:
            for position, item in enumerate(
                ijson.items(f, "Conversations.item", use_float=True)
            ):
                try:
                    conversation = conversation_from_item(item, position, source, limiter)
                except ConversationError as e:
                    limiter.skip(f"conversation {position}: {e}; skipped")
                    continue
                yield ctx.count(conversation)
        except ijson.JSONError as e:
            reason = str(e).splitlines()[0] if str(e) else "malformed JSON"
            if position < 0:
                raise InputError(f"not SEConvo JSON ({reason})") from None
            limiter.skip(f"JSON broken after conversation {position} ({reason}); stopped there")
        finally:
            limiter.close()
        if position < 0:
            raise InputError("no conversations (no 'Conversations' list, or it is empty)")


READER = SEConvoReader()
