"""Telegram Desktop "Export chat history" / "Export Telegram data": `result.json`.

Two shapes: the full export (`personal_information`, `contacts.list[]`, `chats.list[]`,
`left_chats.list[]`) and a single chat (`name`, `type`, `id`, `messages[]`). The file is
streamed with ijson, so only the chat being read is in memory. Service messages (calls,
joins, pins) are counted in `extra["service_messages"]`, not turned into messages.

The owner is, in order: the full export's `personal_information.user_id` (messages from
`user<id>`), `--owner`, the peer of a personal chat (its `id` is the other user's id), and
finally the chat's name (the sender who is not the chat's name), see `chat_owner`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from lurewatch.extract.identity import normalise_handle, normalise_name
from lurewatch.ingest.base import InputError, ReadContext, Reader
from lurewatch.ingest.chat_owner import ChatRoles, infer_roles
from lurewatch.ingest.textutil import IssueLimiter, clip_text
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "telegram"
_SNIFF_BYTES = 8192
_CHAT_LISTS = ("chats.list.item", "left_chats.list.item")
_ONE_TO_ONE = ("personal_chat", "bot_chat")
_CHAT_TYPE = re.compile(
    r'"type"\s*:\s*"(?:personal_chat|bot_chat|private_group|private_supergroup|'
    r'public_supergroup|private_channel|public_channel|saved_messages)"'
)
_MEDIA_KEYS = (("photo", "image"), ("contact_information", "contact"),
               ("location_information", "location"), ("poll", "poll"), ("file", "document"))


@dataclass
class _Chat:
    """One chat being read: its metadata and the messages completed so far."""

    prefix: str  # ijson prefix of the chat object ("" for a single-chat export)
    name: str | None = None
    type: str | None = None
    id: int | str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    service: int = 0

    @property
    def message_prefix(self) -> str:
        return f"{self.prefix}.messages.item" if self.prefix else "messages.item"

    def meta_key(self, prefix: str) -> str | None:
        if self.prefix:
            head = self.prefix + "."
            return prefix[len(head):] if prefix.startswith(head) else None
        return prefix


@dataclass
class _Export:
    """What the full export says about its owner and contacts."""

    owner_id: str | None = None
    owner_name: str | None = None
    phones: dict[str, str] = field(default_factory=dict)  # normalised name -> phone


class TelegramReader(Reader):
    name = "telegram"
    description = "Telegram Desktop export result.json (full export or one chat)"

    def sniff(self, path: Path) -> float:
        if not path.is_file():
            return 0.0
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
        if not head.startswith("{"):
            return 0.0
        if '"personal_information"' in head or ('"chats"' in head and '"about"' in head):
            return 0.95
        if _CHAT_TYPE.search(head) and '"messages"' in head:
            return 0.9
        return 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        issues = IssueLimiter(ctx)
        try:
            before = ctx.conversations
            with path.open("rb") as fh:
                yield from _read_stream(_skip_bom(fh), path, ctx, issues)
            if ctx.conversations == before:
                issues.warn("no Telegram chat with messages found in this JSON")
        except OSError as exc:
            raise InputError(f"cannot read: {exc}") from None
        finally:
            issues.close()


def _skip_bom(fh: BinaryIO) -> BinaryIO:
    head = fh.read(64)
    if not head.strip():
        raise InputError("empty file")
    fh.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)
    return fh


def _read_stream(
    fh: BinaryIO, path: Path, ctx: ReadContext, issues: IssueLimiter
) -> Iterator[Conversation]:
    export = _Export()
    chat: _Chat | None = None
    top = _Chat("")  # a single-chat export is the top-level object itself
    builder: ijson.ObjectBuilder | None = None
    building = ""  # prefix of the object the builder is assembling
    read_any = False
    try:
        for prefix, event, value in ijson.parse(fh):
            read_any = True
            if builder is not None:
                builder.event(event, value)
                if prefix == building and event == "end_map":
                    _take(building, builder.value, chat or top, export)
                    builder = None
                continue
            current = chat or top
            if event == "start_map" and (
                prefix in ("personal_information", "contacts.list.item")
                or prefix == current.message_prefix
            ):
                builder, building = ijson.ObjectBuilder(), prefix
                builder.event(event, value)
            elif event == "start_map" and prefix in _CHAT_LISTS:
                chat = _Chat(prefix)
            elif chat is not None and prefix == chat.prefix and event == "end_map":
                done, chat = chat, None
                yield from _emit(done, export, path, ctx, issues)
            elif event in ("string", "number"):
                key = current.meta_key(prefix)
                if key in ("name", "type", "id"):
                    setattr(current, key, value)
    except ijson.JSONError as exc:
        if not read_any:
            raise InputError(f"not valid JSON: {_first_line(exc)}") from None
        partial = chat or top
        issues.warn(
            f"JSON is malformed or cut short ({_first_line(exc)}); kept the "
            f"{ctx.conversations} chats and {len(partial.messages)} messages of the last "
            "chat read before it"
        )
        if partial.messages:
            yield from _emit(partial, export, path, ctx, issues)
        return
    if not read_any:
        raise InputError("empty file")
    if top.messages:
        yield from _emit(top, export, path, ctx, issues)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _take(prefix: str, obj: Any, chat: _Chat, export: _Export) -> None:
    if not isinstance(obj, dict):
        return
    if prefix == "personal_information":
        if obj.get("user_id") is not None:
            export.owner_id = f"user{obj['user_id']}"
        name = " ".join(str(obj.get(k) or "") for k in ("first_name", "last_name")).strip()
        export.owner_name = name or None
    elif prefix == "contacts.list.item":
        name = " ".join(str(obj.get(k) or "") for k in ("first_name", "last_name")).strip()
        if name and obj.get("phone_number"):
            export.phones[normalise_name(name)] = str(obj["phone_number"])
    elif obj.get("type") == "service":
        chat.service += 1
    else:
        chat.messages.append(obj)


def _emit(
    chat: _Chat, export: _Export, path: Path, ctx: ReadContext, issues: IssueLimiter
) -> Iterator[Conversation]:
    if chat.type == "saved_messages" or not chat.messages:
        return  # notes to self, or a chat with only service events
    roles = _roles(chat, export, ctx)
    if roles.warning:
        issues.warn(f"chat '{chat.name}': {roles.warning}")
    messages = [_message(m, chat, roles, export, issues) for m in chat.messages]
    counterpart_id = _counterpart_id(chat, roles)
    identities: set[tuple[str, str]] = set()
    if counterpart_id:
        identities.add(("telegram", normalise_handle("telegram", counterpart_id)))
    if roles.counterpart:
        identities.add(("name", normalise_name(roles.counterpart)))
        phone = export.phones.get(normalise_name(roles.counterpart))
        if phone:
            identities.add(("phone", normalise_handle("phone", phone)))
    conversation = Conversation(
        id=f"telegram:{chat.id if chat.id is not None else path.name}",
        messages=messages,
        owner=roles.owner,
        counterpart=Counterpart(name=roles.counterpart) if roles.counterpart else None,
        source=str(path),
        format="telegram",
        identities=identities,
        extra={
            "chat_title": chat.name,
            "chat_type": chat.type,
            "group": chat.type not in _ONE_TO_ONE,
            "participants": [p for p in roles.participants if p != roles.counterpart],
            "owner_from": roles.method,
            "service_messages": chat.service,
        },
    )
    yield ctx.count(conversation)


def _sender_name(m: dict[str, Any]) -> str:
    return str(m.get("from") or m.get("from_id") or "Deleted Account")


def _roles(chat: _Chat, export: _Export, ctx: ReadContext) -> ChatRoles:
    senders = [_sender_name(m) for m in chat.messages]
    owner_id = export.owner_id
    if owner_id is None and chat.type in _ONE_TO_ONE and chat.id is not None and not ctx.owner:
        peer = f"user{chat.id}"
        others = {m.get("from_id") for m in chat.messages} - {peer, None}
        if len(others) == 1:
            owner_id = others.pop()
    if owner_id is not None:
        owner_names = [_sender_name(m) for m in chat.messages if m.get("from_id") == owner_id]
        owner = owner_names[0] if owner_names else (ctx.owner or export.owner_name)
        if owner:
            roles = infer_roles(senders, given_owner=owner, title=chat.name)
            roles.method = "export" if export.owner_id else "peer-id"
            return roles
        return infer_roles(senders, title=chat.name)
    return infer_roles(senders, given_owner=ctx.owner, title=chat.name)


def _counterpart_id(chat: _Chat, roles: ChatRoles) -> str | None:
    for m in chat.messages:
        if roles.counterpart and _sender_name(m) == roles.counterpart and m.get("from_id"):
            return str(m["from_id"])
    if chat.type in _ONE_TO_ONE and chat.id is not None:
        return f"user{chat.id}"
    return None


def _message(
    m: dict[str, Any], chat: _Chat, roles: ChatRoles, export: _Export, issues: IssueLimiter
) -> Message:
    text, links, mentions = _plain_text(m.get("text"))
    extra: dict[str, Any] = {}
    if m.get("id") is not None:
        extra["id"] = m["id"]
    media = m.get("media_type") or next((kind for key, kind in _MEDIA_KEYS if key in m), None)
    if media:
        extra["media"] = media
        for key in ("file", "photo"):
            if isinstance(m.get(key), str):
                extra["file"] = m[key]
                break
    if links:
        extra["links"] = links
    if mentions:  # @handles named in the text, e.g. a payment contact
        extra["mentions"] = mentions
    if m.get("forwarded_from"):
        extra["forwarded_from"] = m["forwarded_from"]
    if m.get("edited"):
        extra["edited"] = True
    name = _sender_name(m)
    owner = m.get("from_id") == export.owner_id if export.owner_id else roles.is_owner(name)
    return Message(
        sender="owner" if owner else "counterpart",
        platform=PLATFORM,
        text=clip_text(text, issues, f"chat '{chat.name}' message {m.get('id')}"),
        ts=_timestamp(m),
        sender_name=name,
        extra=extra,
    )


def _plain_text(text: Any) -> tuple[str, list[str], list[str]]:
    """Telegram text is a string or a list of strings and {type, text, href} parts:
    the plain text, the hidden link targets and the @mentions."""
    if isinstance(text, str):
        return text, [], []
    if not isinstance(text, list):
        return "", [], []
    parts: list[str] = []
    links: list[str] = []
    mentions: list[str] = []
    for part in text:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            shown = str(part.get("text") or "")
            parts.append(shown)
            if part.get("href"):
                links.append(str(part["href"]))
            if part.get("type") == "mention" and shown:
                mentions.append(normalise_handle("telegram", shown))
    return "".join(parts), links, mentions


def _timestamp(m: dict[str, Any]) -> datetime | None:
    try:
        if m.get("date_unixtime") is not None:
            return datetime.fromtimestamp(int(m["date_unixtime"]), tz=UTC)
        if m.get("date"):
            return datetime.fromisoformat(str(m["date"])).replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


READER = TelegramReader()
