"""WhatsApp "Export chat": the `.txt` (Android, or any phone) and the iOS `.zip` with `_chat.txt`.

Line shapes (one header per message; lines without a header continue the message above):

    12/31/23, 9:41 PM - Vivian K.: text          Android, 12-hour (U+202F before PM)
    31/12/2023, 21:41 - Vivian K.: text          Android, 24-hour
    31.12.23, 21:41 - Vivian K.: text            Android, dotted dates
    [31/12/2023, 21:41:07] Vivian K.: text       iOS

Day-first or month-first is decided per file from evidence (a first field above 12 means
day-first, a second field above 12 month-first). Without evidence the default is month-first
for a 12-hour clock (the US locale writes both) and day-first otherwise, with a warning.
Times are the exporting phone's local time with no zone: they are stored as UTC and the
conversation says so in `extra["local_time"]`.

System lines (encryption notice, number changes, joins and leaves) are counted in
`extra["system_lines"]`, not turned into messages. Media lines become messages with empty
text (or the caption) and `extra["media"]`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lurewatch.extract.identity import normalise_handle, normalise_name
from lurewatch.ingest.base import MAX_MESSAGE_CHARS, InputError, ReadContext, Reader
from lurewatch.ingest.chat_owner import infer_roles
from lurewatch.ingest.safezip import EntryError, SafeZip, is_zip
from lurewatch.ingest.textutil import IssueLimiter, bounded_lines, clip_text
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "whatsapp"
IOS_CHAT_FILE = "_chat.txt"
_SNIFF_BYTES = 16384

_DATE = r"(?P<date>\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4})"
_TIME = (
    r"(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?"
    r"(?:[ \u202f\u00a0]?(?P<ampm>[AaPp]\.?[ \u202f\u00a0]?[Mm]\.?))?"
)
_SP = "[ \u202f\u00a0]"  # WhatsApp uses plain, narrow no-break and no-break spaces
_ANDROID = re.compile(rf"{_DATE},?{_SP}{_TIME}{_SP}[-–]{_SP}(?P<rest>.*)")
_IOS = re.compile(rf"\[{_DATE},?{_SP}{_TIME}\]{_SP}(?P<rest>.*)")

# Direction marks WhatsApp puts around names, numbers and system text.
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
# Words that show a "name: text" split actually cut through a system line.
_SYSTEM_VERB = re.compile(
    r"\b(?:changed|created|added|removed|joined|pinned|turned|deleted|started|ended)\b", re.I
)
_PHONE_NAME = re.compile(r"^\+?[\d\s\-().]{7,}$")

_MEDIA_WORDS = re.compile(
    r"^(?P<kind>image|video|audio|sticker|GIF|document|Contact card|voice message)"
    r" omitted$",
    re.I,
)
_ATTACHED = re.compile(r"^<attached: (?P<file>[^>]+)>$")
_FILE_ATTACHED = re.compile(r"^(?P<file>\S.*\.\w{2,5}) \(file attached\)$")
_DOCUMENT = re.compile(r"^(?P<file>.+?) • .*document omitted$")
_MEDIA_OMITTED = ("<media omitted>", "<medien ausgeschlossen>", "<multimédia omis>",
                  "<multimedia omitido>")
_DELETED = ("this message was deleted", "you deleted this message")
_EDITED = "<This message was edited>"

# "WhatsApp Chat with Vivian K.txt", "WhatsApp Chat - Vivian K.zip" and some locales.
_TITLE = re.compile(
    r"^(?:WhatsApp Chat with|WhatsApp Chat -|WhatsApp-Chat mit|Chat de WhatsApp con"
    r"|Discussion WhatsApp avec|Conversa do WhatsApp com|Chat WhatsApp con)\s+(?P<title>.+?)"
    r"(?: \(\d+\))?$",
    re.I,
)


@dataclass(slots=True)
class _Header:
    date: str
    hour: int
    minute: int
    second: int
    ampm: str | None
    rest: str


@dataclass(slots=True)
class _Pending:
    """A message whose continuation lines may still follow."""

    line: int
    date: str
    hms: tuple[int, int, int]
    sender: str
    lines: list[str]
    media: str | None = None
    file: str | None = None
    deleted: bool = False
    chars: int = 0


@dataclass
class _ChatBuild:
    pending: list[_Pending] = field(default_factory=list)
    system_lines: int = 0
    system_sender: str | None = None  # iOS puts the chat title as sender of system lines
    twelve_hour: bool = False
    separators: set[str] = field(default_factory=set)


class WhatsAppReader(Reader):
    name = "whatsapp"
    description = "WhatsApp 'Export chat' .txt (Android/iOS) or the iOS .zip with _chat.txt"

    def sniff(self, path: Path) -> float:
        if path.is_dir():
            return 0.9 if (path / IOS_CHAT_FILE).is_file() else 0.0
        if is_zip(path):
            try:
                with SafeZip(path) as archive:
                    return 0.9 if _chat_member(archive.names()) else 0.0
            except InputError:
                return 0.0
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        return _sniff_text(head)

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        issues = IssueLimiter(ctx)
        try:
            with _open_chat(path, ctx) as (stream, member, media_files):
                title = _title_from_name(path.name if member == IOS_CHAT_FILE else member)
                build = _parse(stream, issues)
        except OSError as exc:
            raise InputError(f"cannot read: {exc}") from None
        if not build.pending:
            issues.close()
            raise InputError(
                "no WhatsApp message lines found (expected lines such as "
                "'31/12/2023, 21:41 - Name: text')"
            )
        conversation = _conversation(path, build, title, ctx, issues)
        conversation.extra["media_files"] = media_files
        issues.close()
        yield ctx.count(conversation)


def _sniff_text(head: bytes) -> float:
    encoding = _encoding(head)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    lines = [ln.strip(_MARKS + " ") for ln in text.splitlines()[:20]]
    lines = [ln for ln in lines if ln]
    if not lines:
        return 0.0
    if _header(lines[0]) is not None:
        return 0.95
    matched = sum(1 for ln in lines[:10] if _header(ln) is not None)
    return 0.7 if matched >= 2 else 0.0


def _encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16, the encodings WhatsApp writes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:2000]
    if len(sample) >= 4:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        if odd_nuls > len(sample) // 4 and even_nuls == 0:
            return "utf-16-le"
        if even_nuls > len(sample) // 4 and odd_nuls == 0:
            return "utf-16-be"
    return "utf-8"


class _Utf8Lines:
    """A UTF-16 stream seen as UTF-8 bytes, so the shared bounded line reader can split it."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        self._reader = codecs.getreader(encoding)(raw, errors="replace")

    def readline(self, limit: int = -1) -> bytes:
        return self._reader.readline(limit if limit > 0 else None).encode("utf-8")


@contextmanager
def _open_chat(
    path: Path, ctx: ReadContext
) -> Iterator[tuple[BinaryIO | _Utf8Lines, str, int]]:
    """The chat text as UTF-8 lines, the name of the file it came from, and how many media
    files came with it (an iOS export zip or its unpacked folder)."""
    if path.is_dir():
        media = sum(1 for p in path.iterdir() if p.name != IOS_CHAT_FILE)
        with (path / IOS_CHAT_FILE).open("rb") as raw:
            yield _as_utf8(raw), IOS_CHAT_FILE, media
        return
    if not is_zip(path):
        with path.open("rb") as raw:
            yield _as_utf8(raw), path.name, 0
        return
    with SafeZip(path, ctx) as archive:  # entries are streamed and metered, never extracted
        names = archive.names()
        member = _chat_member(names)
        if member is None:
            raise InputError("zip holds no WhatsApp chat (_chat.txt or 'WhatsApp Chat ... .txt')")
        try:
            raw = archive.open_binary(member)
        except EntryError as exc:
            raise InputError(f"{member}: {exc}") from None
        with raw:
            yield _as_utf8(raw), member, sum(1 for n in names if not n.endswith(".txt"))


def _as_utf8(raw: BinaryIO) -> BinaryIO | _Utf8Lines:
    head = raw.peek(_SNIFF_BYTES)[:_SNIFF_BYTES] if hasattr(raw, "peek") else b""
    encoding = _encoding(head)
    if encoding.startswith("utf-16"):
        return _Utf8Lines(raw, encoding)
    return raw


def _chat_member(names: list[str]) -> str | None:
    names = [n for n in names if not n.startswith("__MACOSX/")]
    if IOS_CHAT_FILE in names:
        return IOS_CHAT_FILE
    texts = [n for n in names if n.lower().endswith(".txt") and "/" not in n]
    chats = [n for n in texts if _TITLE.match(Path(n).stem)]
    if chats:
        return chats[0]
    return texts[0] if len(texts) == 1 else None


def _title_from_name(name: str) -> str | None:
    match = _TITLE.match(Path(name).stem)
    return _clean_name(match.group("title")) if match else None


def _clean_name(name: str) -> str:
    return name.strip(_MARKS + " \u00a0\u202f")


def _header(line: str) -> _Header | None:
    match = _IOS.match(line) or _ANDROID.match(line)
    if match is None:
        return None
    return _Header(
        date=match.group("date"),
        hour=int(match.group("h")),
        minute=int(match.group("mi")),
        second=int(match.group("s") or 0),
        ampm=match.group("ampm"),
        rest=match.group("rest"),
    )


def _parse(stream: BinaryIO | _Utf8Lines, issues: IssueLimiter) -> _ChatBuild:
    """Messages of the chat; a zip entry that breaks a limit keeps what was read before."""
    build = _ChatBuild()
    try:
        _parse_lines(stream, issues, build)
    except EntryError as exc:
        issues.warn(f"stopped reading the chat: {exc}; kept {len(build.pending)} messages")
    return build


def _parse_lines(stream: BinaryIO | _Utf8Lines, issues: IssueLimiter, build: _ChatBuild) -> None:
    current: _Pending | None = None
    seen_header = False  # continuation lines of a system or skipped line are dropped quietly
    for line in bounded_lines(stream):  # type: ignore[arg-type]
        if line.data is None:
            issues.skip(f"line of {line.length:,} bytes is too long; skipped", line.number)
            continue
        text = line.data.decode("utf-8", errors="replace")
        if line.number == 1:
            text = text.lstrip("\ufeff")
        bare = text.lstrip(_MARKS)
        header = _header(bare)
        if header is None:
            if _CONTROL.search(text):
                issues.skip("unreadable line (binary or badly encoded); skipped", line.number)
            elif current is not None:
                _append(current, text, issues)
            elif text.strip() and not seen_header:
                issues.skip("text before the first dated line; skipped", line.number)
            continue
        seen_header = True
        if not _valid_time(header):
            issues.skip(f"impossible date or time in '{bare[:40]}'; skipped", line.number)
            current = None
            continue
        current = _start(header, line.number, build, issues)


def _valid_time(h: _Header) -> bool:
    parts = re.split(r"[./\-]", h.date)
    if len(parts[0]) >= 3:  # year first
        date_ok = 1 <= int(parts[1]) <= 12 and 1 <= int(parts[2]) <= 31
    else:
        a, b = int(parts[0]), int(parts[1])
        date_ok = 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12
    if h.ampm:
        return date_ok and 1 <= h.hour <= 12 and h.minute < 60 and h.second < 60
    return date_ok and h.hour < 24 and h.minute < 60 and h.second < 60


def _start(h: _Header, number: int, build: _ChatBuild, issues: IssueLimiter) -> _Pending | None:
    build.separators.add(next(c for c in h.date if not c.isdigit()))
    build.twelve_hour = build.twelve_hour or h.ampm is not None
    hour = h.hour
    if h.ampm:
        pm = h.ampm.lower().startswith("p")
        hour = (hour % 12) + (12 if pm else 0)
    hms = (hour, h.minute, h.second)
    sender, text = _split_sender(h.rest)
    if sender is None:
        build.system_lines += 1
        return None
    if text.startswith("\u200e") and _media(text) is None and not _is_deleted(text):
        build.system_lines += 1  # iOS system line: the chat title as sender, marked text
        build.system_sender = build.system_sender or sender
        return None
    pending = _Pending(number, h.date, hms, sender, [])
    _append(pending, text, issues)
    build.pending.append(pending)
    return pending


def _split_sender(rest: str) -> tuple[str | None, str]:
    if rest.startswith("\u200e") or ": " not in rest:
        return None, rest
    name, text = rest.split(": ", 1)
    name = _clean_name(name)
    if not name or len(name) > 60 or _SYSTEM_VERB.search(name):
        return None, rest
    return name, text


def _media(text: str) -> tuple[str, str | None] | None:
    """(kind, file name) when the first line of a message is a media placeholder."""
    bare = text.strip(_MARKS + " ")
    if bare.lower() in _MEDIA_OMITTED:
        return "media", None
    for pattern in (_ATTACHED, _FILE_ATTACHED, _DOCUMENT):
        match = pattern.match(bare)
        if match:
            return _kind_of_file(match.group("file")), match.group("file")
    match = _MEDIA_WORDS.match(bare)
    if match:
        return match.group("kind").lower(), None
    return None


def _kind_of_file(name: str) -> str:
    upper = name.upper()
    for marker, kind in (("PHOTO", "image"), ("IMG", "image"), ("VIDEO", "video"),
                         ("VID", "video"), ("AUDIO", "audio"), ("PTT", "audio"),
                         ("STICKER", "sticker"), ("STK", "sticker")):
        if marker in upper:
            return kind
    suffix = Path(name).suffix.lower()
    if suffix in (".jpg", ".jpeg", ".png", ".webp", ".heic"):
        return "image"
    if suffix in (".mp4", ".mov", ".3gp"):
        return "video"
    if suffix in (".opus", ".m4a", ".mp3", ".aac"):
        return "audio"
    return "document"


def _is_deleted(text: str) -> bool:
    return text.strip(_MARKS + " .").lower() in _DELETED


def _append(p: _Pending, text: str, issues: IssueLimiter) -> None:
    if not p.lines and not p.media and not p.deleted:
        media = _media(text)
        if media is not None:
            p.media, p.file = media
            return
        if _is_deleted(text):
            p.deleted = True
            return
    if p.chars > 2 * MAX_MESSAGE_CHARS:
        return  # already far past the cut clip_text makes; stop growing
    p.lines.append(text)
    p.chars += len(text) + 1


def _resolve_order(build: _ChatBuild, issues: IssueLimiter) -> str:
    """'DMY', 'MDY' or 'YMD' for this file, from the evidence in its dates."""
    day_first = month_first = 0
    for p in build.pending:
        parts = re.split(r"[./\-]", p.date)
        if len(parts[0]) >= 3:
            return "YMD"
        a, b = int(parts[0]), int(parts[1])
        day_first += a > 12
        month_first += b > 12
    if day_first and month_first:
        order = "DMY" if day_first >= month_first else "MDY"
        issues.warn(f"dates disagree on day/month order ({day_first} day-first, "
                    f"{month_first} month-first); read as {order}")
        return order
    if day_first:
        return "DMY"
    if month_first:
        return "MDY"
    if build.twelve_hour and "." not in build.separators:
        order, why = "MDY", "12-hour clock, as the US locale writes"
    else:
        order, why = "DMY", "24-hour clock" if not build.twelve_hour else "dotted dates"
    issues.warn(f"day/month order is ambiguous (no field above 12); read as "
                f"{'month/day' if order == 'MDY' else 'day/month'} ({why})")
    return order


def _timestamp(p: _Pending, order: str) -> datetime | None:
    parts = [int(x) for x in re.split(r"[./\-]", p.date)]
    if order == "YMD":
        year, month, day = parts
    elif order == "DMY":
        day, month, year = parts
    else:
        month, day, year = parts
    if year < 100:
        year += 2000
    try:
        return datetime(year, month, day, *p.hms, tzinfo=UTC)
    except ValueError:
        return None


def _conversation(
    path: Path, build: _ChatBuild, title: str | None, ctx: ReadContext, issues: IssueLimiter
) -> Conversation:
    title = title or build.system_sender
    roles = infer_roles([p.sender for p in build.pending], given_owner=ctx.owner, title=title)
    if roles.warning:
        issues.warn(roles.warning)
    order = _resolve_order(build, issues)
    messages: list[Message] = []
    for p in build.pending:
        ts = _timestamp(p, order)
        if ts is None:
            issues.warn(f"impossible date '{p.date}' when read as {order}", p.line)
        text = "\n".join(p.lines)
        edited = text.rstrip().endswith(_EDITED)
        if edited:
            text = text.rstrip()[: -len(_EDITED)].rstrip(_MARKS + " ")
        extra: dict[str, object] = {"line": p.line}
        if p.media:
            extra["media"] = p.media
            if p.file:
                extra["file"] = p.file
        if p.deleted:
            extra["deleted"] = True
        if edited:
            extra["edited"] = True
        messages.append(Message(
            sender="owner" if roles.is_owner(p.sender) else "counterpart",
            platform=PLATFORM,
            text=clip_text(text, issues, "message", p.line),
            ts=ts,
            sender_name=p.sender,
            extra=extra,
        ))
    group = len(roles.participants) > 1
    counterpart = Counterpart(name=roles.counterpart) if roles.counterpart else None
    extra: dict[str, object] = {
        "chat_title": title,
        "group": group,
        "participants": [p for p in roles.participants if p != roles.counterpart],
        "owner_from": roles.method,
        "date_order": order,
        "local_time": True,
        "system_lines": build.system_lines,
    }
    return Conversation(
        id=f"whatsapp:{path.name}",
        messages=messages,
        owner=roles.owner,
        counterpart=counterpart,
        source=str(path),
        format="whatsapp",
        identities=_identities(roles.counterpart),
        extra=extra,
    )


def _identities(name: str | None) -> set[tuple[str, str]]:
    """A saved contact shows as a name, an unsaved one as its number."""
    if not name:
        return set()
    if _PHONE_NAME.match(name) and sum(c.isdigit() for c in name) >= 7:
        return {("whatsapp-number", normalise_handle("whatsapp-number", name))}
    return {("name", normalise_name(name))}


READER = WhatsAppReader()
