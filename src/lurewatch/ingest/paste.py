"""Pasted text: `lurewatch scan -` on standard input, or a plain `.txt` file.

Two shapes are understood:

- a dialogue, `Name: message` lines, optionally with a time in front (`[10:42] Name: text`,
  `10:42 Name: text`, `[2023-07-03 10:42] Name: text`); lines without a `Name:` prefix
  continue the previous message. The text is a dialogue when its first non-empty line is
  such a line.
- anything else: one message from the counterpart (a pasted e-mail or LinkedIn message).

Who is the owner: `--owner` when given; otherwise the *second* distinct speaker, because
the approacher usually writes first. That is a guess, so it is reported as a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lurewatch.extract.identity import normalise_handle, normalise_name
from lurewatch.ingest.base import InputError, ReadContext, Reader
from lurewatch.ingest.textutil import (
    SNIFF_BYTES,
    IssueLimiter,
    clip_text,
    decode_bytes,
    looks_binary,
    names_match,
)
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "other"
MAX_PASTE_BYTES = 20_000_000  # pasted text beyond this is almost surely an export
MAX_SPEAKERS = 12  # more distinct "names" than this means the colons were not speakers
MAX_NAME_WORDS = 4

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?"
_SPEAKER = re.compile(
    r"^\s*(?:\[(?P<bracket>[\d/.,:\-\sTAPMapm年月日]{3,40})\]\s*"
    rf"|(?P<bare>(?:\d{{4}}-\d{{2}}-\d{{2}}[ T])?{_TIME})\s*(?:[-–]\s*)?)?"
    r"(?P<name>[^\s:：\[\]<>@/#*\-][^:：\n]{0,39}?)\s*"
    r"(?::(?:\s+|$)|：\s*(?=\S))(?P<text>.*)$"
)
# Letters open with a greeting and a colon ("Dear Daniel:", "张先生您好："): not a speaker.
_GREETING = re.compile(r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening))\b|好$", re.I)
# Words that head a line like a name would ("Note: ...") but are labels, not people.
_LABELS = frozenset({
    "note", "notes", "ps", "p.s.", "nb", "n.b.", "subject", "re", "fwd", "fw", "from", "to",
    "cc", "bcc", "date", "time", "sent", "tel", "phone", "mobile", "email", "e-mail", "mail",
    "wechat", "whatsapp", "telegram", "signal", "skype", "line", "http", "https", "www",
    "address", "salary", "fee", "fees", "rate", "budget", "location", "role", "position",
    "title", "company", "website", "link", "deadline", "update", "important", "warning",
    "reminder", "attachment", "attachments", "q", "a", "answer", "question",
    "微信", "电话", "手机", "邮箱", "地址", "注意", "备注", "主题", "时间", "日期",
})


@dataclass(slots=True)
class Turn:
    name: str | None
    lines: list[str] = field(default_factory=list)
    time: str | None = None


def _speaker_name(candidate: str) -> str | None:
    name = candidate.strip()
    if not name or not name[0].isalpha():
        return None
    if len(name.split()) > MAX_NAME_WORDS or name.casefold() in _LABELS:
        return None
    if _GREETING.search(name):
        return None
    if "http" in name.casefold():
        return None
    return name


def _speaker_line(line: str) -> tuple[str, str, str | None] | None:
    """(name, text, time) when `line` opens a message, else None."""
    match = _SPEAKER.match(line)
    if match is None:
        return None
    name = _speaker_name(match.group("name"))
    if name is None:
        return None
    time = match.group("bracket") or match.group("bare")
    return name, match.group("text"), time.strip() if time else None


def _parse_time(raw: str | None) -> datetime | None:
    """A full ISO date and time becomes a timestamp (UTC); a bare time of day does not."""
    if not raw:
        return None
    try:
        ts = datetime.fromisoformat(raw.replace(",", " ").strip())
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def split_turns(lines: Iterable[str]) -> list[Turn]:
    """The pasted lines as turns; one unnamed turn when the text is not a dialogue."""
    turns: list[Turn] = []
    speakers: set[str] = set()
    dialogue: bool | None = None
    for line in lines:
        if dialogue is None:
            if not line.strip():
                continue
            dialogue = _speaker_line(line) is not None
            if not dialogue:
                turns.append(Turn(None))
        opened = _speaker_line(line) if dialogue else None
        if opened is not None:
            name, text, time = opened
            known = normalise_name(name)
            if known in speakers or len(speakers) < MAX_SPEAKERS:
                speakers.add(known)
                turns.append(Turn(name, [text], time))
                continue
        turns[-1].lines.append(line)
    return turns


def _choose_owner(names: list[str], ctx: ReadContext, source: str) -> str | None:
    """The owner's display name among the speakers (None when no speaker is the owner)."""
    if ctx.owner:
        for name in names:
            if names_match(name, ctx.owner):
                return name
        if len(names) > 1:
            ctx.warn(
                f"owner {ctx.owner!r} is not among the speakers ({', '.join(names)}); "
                f"assuming {names[1]!r}, the second speaker",
                path=source,
            )
            return names[1]
        return None
    if len(names) < 2:
        return None
    ctx.warn(
        f"owner not given; assuming {names[1]!r} (the second speaker, since an approacher "
        "usually writes first); use --owner to set it",
        path=source,
    )
    return names[1]


def conversation_from_lines(
    lines: Iterable[str], ctx: ReadContext, source: str
) -> Conversation | None:
    limiter = IssueLimiter(ctx, source)
    turns = [t for t in split_turns(lines) if t.name or "\n".join(t.lines).strip()]
    if not turns:
        return None
    names: list[str] = []
    for turn in turns:
        if turn.name and turn.name not in names:
            names.append(turn.name)
    owner_name = _choose_owner(names, ctx, source)
    messages = []
    for index, turn in enumerate(turns):
        sender = "owner" if owner_name is not None and turn.name == owner_name else "counterpart"
        text = clip_text("\n".join(turn.lines).strip(), limiter, f"message {index}")
        ts = _parse_time(turn.time)
        extra = {"time": turn.time} if turn.time and ts is None else {}
        messages.append(
            Message(sender=sender, platform=PLATFORM, text=text, ts=ts,
                    sender_name=turn.name, extra=extra)
        )
    counterpart_name = next((n for n in names if n != owner_name), None)
    limiter.close()
    stem = "stdin" if source == "<stdin>" else Path(source).name
    return Conversation(
        id=f"paste:{stem}",
        messages=messages,
        owner=owner_name or ctx.owner,
        counterpart=Counterpart(name=counterpart_name) if counterpart_name else None,
        source=source,
        format="paste",
        identities=(
            {("name", normalise_handle("name", counterpart_name))} if counterpart_name else set()
        ),
    )


def read_text(text: str, ctx: ReadContext, source: str = "<stdin>") -> Iterator[Conversation]:
    """The conversation in pasted text (what `lurewatch scan -` reads from standard input)."""
    if "\x00" in text[:SNIFF_BYTES]:
        raise InputError("binary data, not text")
    if len(text) > MAX_PASTE_BYTES:
        ctx.warn(f"pasted text of {len(text):,} characters cut to {MAX_PASTE_BYTES:,}",
                 path=source)
        text = text[:MAX_PASTE_BYTES]
    conversation = conversation_from_lines(text.lstrip("\ufeff").splitlines(), ctx, source)
    if conversation is None:
        raise InputError("no text to read")
    yield ctx.count(conversation)


class PasteReader(Reader):
    name = "paste"
    description = "pasted text: 'Name: message' lines, or one message (also standard input)"

    def sniff(self, path: Path) -> float:
        # Low on purpose: any export reader that recognises a .txt file wins over this.
        if not path.is_file():
            return 0.0
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
        if not head.strip() or looks_binary(head):
            return 0.0
        return 0.35 if path.suffix.lower() == ".txt" else 0.1

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = str(path)
        try:
            size = path.stat().st_size
            if size > MAX_PASTE_BYTES:
                raise InputError(
                    f"{size:,} bytes is too large for pasted text; "
                    "is it an export in another format?"
                )
            data = path.read_bytes()
        except OSError as e:
            raise InputError(f"cannot open: {e.strerror or e}") from None
        if looks_binary(data[:SNIFF_BYTES]):
            raise InputError("binary data, not text")
        yield from read_text(decode_bytes(data), ctx, source)


READER = PasteReader()
