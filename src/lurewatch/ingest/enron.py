"""Enron e-mails as cleaned for AESLC (Zhang & Tetreault, ACL 2019), JSON Lines.

`{"id", "split", "subject", "body", "label", "source"}`, one e-mail a line. Every e-mail is
real, ordinary business mail, so each becomes a one-message conversation from an unknown
counterpart on platform "email", labelled benign: the false-positive probe of the
evaluation. `split` (train / dev / test) is kept in `Conversation.extra["split"]` so the
evaluation can keep to the test split.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lurewatch.ingest.base import ReadContext, Reader
from lurewatch.ingest.textutil import (
    IssueLimiter,
    clip_text,
    first_json_line,
    json_lines,
    open_text_source,
)
from lurewatch.model import Conversation, Message

PLATFORM = "email"
_REQUIRED = ("id", "body")


class RecordError(ValueError):
    """What is wrong with one line."""


def _label(value: Any) -> str:
    # The data set marks every e-mail benign (0); anything else is not this data set.
    if value in (0, "0", "benign", None):
        return "benign"
    raise RecordError(f"label {value!r} is not 0 (every AESLC e-mail is benign)")


def conversation_from_email(
    record: Any, source: str | None = None, limiter: IssueLimiter | None = None,
    line: int | None = None,
) -> Conversation:
    """One e-mail as a one-message benign conversation; raises RecordError when unusable."""
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    for key in _REQUIRED:
        if not isinstance(record.get(key), str):
            raise RecordError(f"'{key}' is missing or not a string")
    subject = record.get("subject")
    subject = subject if isinstance(subject, str) else ""
    body = record["body"]
    # The subject is what a person reads first, so it leads the message text.
    text = f"{subject}\n\n{body}" if subject.strip() else body
    cid = f"enron:{record['id']}"
    split = record.get("split")
    return Conversation(
        id=cid,
        messages=[Message(
            sender="counterpart",
            platform=PLATFORM,
            text=clip_text(text, limiter, cid, line),
            extra={"subject": subject},
        )],
        label=_label(record.get("label")),
        source=source,
        format="enron",
        extra={
            "dataset": "Enron (AESLC)",
            "split": split if isinstance(split, str) else None,
            "lang": "en",
            "scenario": "business-email",
        },
    )


def _looks_like_email_record(record: Any) -> bool:
    return (isinstance(record, dict) and "body" in record and "subject" in record
            and "messages" not in record)


class EnronReader(Reader):
    name = "enron"
    description = "Enron e-mails as cleaned for AESLC (JSON Lines with subject/body/split)"

    def sniff(self, path: Path) -> float:
        found = first_json_line(path)
        if found is None:
            return 0.0
        first, record = found
        if record is None:  # a first line longer than the sniffed head
            return 0.5 if b'"body"' in first and b'"subject"' in first else 0.0
        return 0.9 if _looks_like_email_record(record) else 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = str(path)
        with open_text_source(path, "JSON Lines") as (f, _):
            yield from self._read_lines(f, source, ctx)

    def _read_lines(self, f: Any, source: str, ctx: ReadContext) -> Iterator[Conversation]:
        limiter = IssueLimiter(ctx, source)
        seen: dict[str, int] = {}
        for number, record in json_lines(f, limiter):
            try:
                conversation = conversation_from_email(record, source, limiter, number)
            except RecordError as e:
                limiter.skip(f"{e}; skipped", number)
                continue
            if conversation.id in seen:
                limiter.skip(f"duplicate id {conversation.id!r} (first on line "
                             f"{seen[conversation.id]}); skipped", number)
                continue
            seen[conversation.id] = number
            yield ctx.count(conversation)
        limiter.close()


READER = EnronReader()
