"""WeChat chats as CSV, as MemoTrace and similar tools write them (WeChat has no export).

Columns: `localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,
Remark,NickName,Sender`. `CreateTime` is epoch seconds, `IsSender` is 1 for the owner,
`Type` 1 is text; 3 image, 34 voice, 43 video, 47 sticker, 42 contact card, 48 location and
49 app messages (links, files, transfers, quoted replies) become messages with `extra["media"]`;
10000 and 10002 (system notices, recalls) are counted, not turned into messages.

One CSV may hold several chats: rows are grouped by `TalkerId` as they come (contiguous runs),
so only one chat is in memory. Group chats have a TalkerId ending in `@chatroom`; there the
Remark/NickName/Sender columns describe each row's sender. UTF-8 (often with a BOM) is the
norm; GBK files are detected, decoded as GB18030 and reported.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lurewatch.extract.identity import normalise_handle, normalise_name
from lurewatch.ingest.base import InputError, ReadContext, Reader
from lurewatch.ingest.textutil import IssueLimiter, bounded_lines, clip_text
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "wechat"
_SNIFF_BYTES = 65536
_REQUIRED = "strcontent"
_OPTIONAL = ("localid", "talkerid", "type", "subtype", "issender", "createtime", "strtime",
             "remark", "nickname", "sender")
_MEDIA_TYPES = {3: "image", 34: "voice", 43: "video", 47: "sticker", 42: "contact card",
                48: "location", 50: "call"}
_SYSTEM_TYPES = {10000, 10002}
_APP_TYPE = 49
_APP_SUBTYPES = {5: "link", 6: "file", 19: "chat history", 33: "mini program",
                 36: "mini program", 2000: "transfer", 2001: "red packet"}
_APP_REPLY = 57  # a quoted reply: its <title> is the reply's text
_XML_FIELD = {name: re.compile(rf"<{name}>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</{name}>", re.S)
              for name in ("title", "des", "url")}
_GROUP_PREFIX = re.compile(r"^(?P<id>[A-Za-z][\w\-]{3,}):\n")


@dataclass
class _Chat:
    talker: str
    conversation_id: str
    group: bool
    messages: list[Message] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the contact's remark and nickname
    senders: dict[str, str] = field(default_factory=dict)  # group: name -> wechat id
    owner_name: str | None = None  # some tools fill the name columns on the owner's rows
    system: int = 0


class WeChatReader(Reader):
    name = "wechat"
    description = "WeChat chats as CSV (MemoTrace and similar tools: TalkerId, StrContent...)"

    def sniff(self, path: Path) -> float:
        if not path.is_file():
            return 0.0
        with path.open("rb") as fh:
            head = fh.read(4096)
        first = head.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n", 1)[0]
        columns = {c.strip().strip('"').lower() for c in first.split(",")}
        if {"talkerid", "strcontent"} <= columns:
            return 0.95
        if {"strcontent", "issender"} <= columns:
            return 0.9
        return 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        issues = IssueLimiter(ctx)
        try:
            with path.open("rb") as fh:
                yield from _read_csv(fh, path, ctx, issues)
        except OSError as exc:
            raise InputError(f"cannot read: {exc}") from None
        finally:
            issues.close()


def _encoding(head: bytes, issues: IssueLimiter) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(head, "utf-8"):
        return "utf-8"
    if _decodes(head, "gb18030"):
        issues.warn("file is not UTF-8; decoded as GBK (GB18030)")
        return "gb18030"
    issues.warn("file is neither UTF-8 nor GBK; undecodable bytes replaced")
    return "utf-8"


def _decodes(data: bytes, encoding: str) -> bool:
    """True when `data` decodes, allowing a character cut at the end of the sample."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _read_csv(
    fh: BinaryIO, path: Path, ctx: ReadContext, issues: IssueLimiter
) -> Iterator[Conversation]:
    head = fh.read(_SNIFF_BYTES)
    if not head.strip():
        raise InputError("empty file")
    fh.seek(0)
    lines = _LineSource(fh, _encoding(head, issues), issues)
    reader = csv.reader(lines)
    columns = _header(reader, lines)
    width = len(columns)
    chat: _Chat | None = None
    seen: dict[str, int] = {}
    while True:
        lines.row_start = None
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            issues.skip(f"unreadable CSV row ({exc}); skipped", lines.row_start)
            continue
        line = lines.row_start or lines.number
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) <= columns[_REQUIRED]:
            issues.skip(f"row has {len(row)} fields, {width} expected; skipped", line)
            continue
        record = {name: row[i] for name, i in columns.items() if i < len(row)}
        talker = record.get("talkerid", "").strip() or path.stem
        if chat is None or talker != chat.talker:
            if chat is not None and chat.messages:
                yield ctx.count(_conversation(chat, path, ctx))
            chat = _new_chat(talker, seen, issues, line)
        _add_row(chat, record, issues, line)
    if chat is not None and chat.messages:
        yield ctx.count(_conversation(chat, path, ctx))


class _LineSource:
    """Decoded lines for csv.reader; remembers the physical line number and skips long lines."""

    def __init__(self, fh: BinaryIO, encoding: str, issues: IssueLimiter) -> None:
        self.encoding = encoding
        self.issues = issues
        self.number = 0  # the last physical line read
        self.row_start: int | None = None  # the first line of the row being parsed
        self._lines = bounded_lines(fh)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        for line in self._lines:
            self.number = line.number
            if line.data is None:
                self.issues.skip(f"line of {line.length:,} bytes is too long; skipped",
                                 line.number)
                continue
            text = line.data.decode(self.encoding, errors="replace")
            if line.number == 1:
                text = text.lstrip("\ufeff")
            if "\x00" in text:
                self.issues.skip("line holds binary data (NUL bytes); skipped", line.number)
                continue
            if self.row_start is None:
                self.row_start = line.number
            return text + "\n"
        raise StopIteration


def _header(reader: Iterator[list[str]], lines: _LineSource) -> dict[str, int]:
    """Column name (lower case) -> index, from the first non-empty row."""
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        names = [cell.strip().strip("\ufeff").lower() for cell in row]
        columns = {name: i for i, name in enumerate(names) if name}
        if _REQUIRED not in columns:
            shown = ", ".join(row[:12])
            found = f" (found: {shown})" if len(shown) < 200 and shown.isprintable() else ""
            raise InputError(
                f"line {lines.number}: no StrContent column, so this is not a WeChat CSV{found}"
            )
        missing = [c for c in ("talkerid", "issender", "createtime") if c not in columns]
        if missing:
            consequence = {
                "talkerid": "the whole file is read as one chat",
                "issender": "every message is read as the counterpart's",
                "createtime": "times come from StrTime when present",
            }
            for name in missing:
                lines.issues.warn(f"no {name} column: {consequence[name]}", lines.number)
        return columns
    raise InputError("no header row found")


def _new_chat(talker: str, seen: dict[str, int], issues: IssueLimiter, line: int) -> _Chat:
    runs = seen.get(talker, 0) + 1
    seen[talker] = runs
    conversation_id = f"wechat:{talker}" + (f"#{runs}" if runs > 1 else "")
    if runs > 1:
        issues.warn(f"rows of chat {talker} are not together in the file; this run is read "
                    f"as a separate conversation {conversation_id}", line)
    return _Chat(talker, conversation_id, talker.endswith("@chatroom"))


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _add_row(chat: _Chat, record: dict[str, str], issues: IssueLimiter, line: int) -> None:
    kind = _int(record.get("type"))
    if kind in _SYSTEM_TYPES:
        chat.system += 1
        return
    is_owner = _int(record.get("issender")) == 1
    content = record.get("strcontent", "")
    names = [record.get("remark", "").strip(), record.get("nickname", "").strip()]
    sender_id = record.get("sender", "").strip()
    if chat.group and not is_owner:
        prefixed = _GROUP_PREFIX.match(content)
        if prefixed:  # raw group rows start with "wxid_...:\n"
            sender_id = sender_id or prefixed.group("id")
            content = content[prefixed.end():]
    sender_name = next((n for n in names if n), None) or sender_id or None
    if not chat.group and not is_owner:
        chat.names.extend(n for n in names if n and n not in chat.names)
    if chat.group and not is_owner and sender_name:
        chat.senders.setdefault(sender_name, sender_id)
    if is_owner and sender_name and chat.owner_name is None:
        chat.owner_name = sender_name
    text, extra = _content(kind, _int(record.get("subtype")), content)
    extra["line"] = line
    if record.get("localid"):
        extra["local_id"] = record["localid"]
    chat.messages.append(Message(
        sender="owner" if is_owner else "counterpart",
        platform=PLATFORM,
        text=clip_text(text, issues, "message", line),
        ts=_timestamp(record),
        sender_name=sender_name,
        extra=extra,
    ))


def _content(kind: int | None, subtype: int | None, content: str) -> tuple[str, dict]:
    """Message text and extra for a row's type: text as is, media as a placeholder."""
    if kind in (1, None):
        return content, {}
    if kind in _MEDIA_TYPES:
        return "", {"media": _MEDIA_TYPES[kind]}
    if kind == _APP_TYPE:
        found = {k: _xml_field(k, content) for k in _XML_FIELD}
        if "<" not in content:  # a tool that already wrote plain text
            return content, {"media": "app"}
        if subtype == _APP_REPLY:
            return found["title"] or "", {"reply": True}
        text = "\n".join(v for v in (found["title"], found["des"]) if v)
        extra: dict = {"media": _APP_SUBTYPES.get(subtype or 0, "app")}
        if found["url"]:
            extra["links"] = [found["url"]]
        return text, extra
    return "", {"media": f"type {kind}"}


def _xml_field(name: str, content: str) -> str | None:
    # A regular expression, not an XML parser: the XML is untrusted and only three plain
    # fields are wanted, so entity expansion never happens.
    match = _XML_FIELD[name].search(content)
    return match.group(1).strip() if match and match.group(1).strip() else None


def _timestamp(record: dict[str, str]) -> datetime | None:
    epoch = _int(record.get("createtime"))
    if epoch:
        if epoch > 10**11:  # milliseconds
            epoch //= 1000
        try:
            return datetime.fromtimestamp(epoch, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = record.get("strtime", "").strip()
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


def _conversation(chat: _Chat, path: Path, ctx: ReadContext) -> Conversation:
    identities: set[tuple[str, str]] = set()
    if chat.group:
        first = next(iter(chat.senders), None)
        name = first or chat.talker
        others = [n for n in chat.senders if n != first]
        if first and chat.senders[first]:
            identities.add(("wechat-id", normalise_handle("wechat-id", chat.senders[first])))
        if first:
            identities.add(("name", normalise_name(first)))
    else:
        name = chat.names[0] if chat.names else chat.talker
        others = []
        identities.add(("wechat-id", normalise_handle("wechat-id", chat.talker)))
        identities.update(("name", normalise_name(n)) for n in chat.names)
    return Conversation(
        id=chat.conversation_id,
        messages=chat.messages,
        owner=ctx.owner or chat.owner_name,
        counterpart=Counterpart(name=name),
        source=str(path),
        format="wechat",
        identities=identities,
        extra={
            "talker_id": chat.talker,
            "group": chat.group,
            "participants": others,
            "contact_names": chat.names,
            "system_messages": chat.system,
            "owner_from": "IsSender",
        },
    )


READER = WeChatReader()
