"""LinkedIn "Get a copy of your data" export (a zip, its unpacked folder, or messages.csv).

What is read, and how:

- `messages.csv`, old and new column sets. Rows of one conversation are usually kept
  together and newest-first; each conversation is put in time order and yielded as soon
  as its rows end. A first pass finds conversations whose rows are split across the file
  (only those are buffered until the end) and who takes part; it keeps the rows it parsed
  (up to MAX_KEPT_ROWS), so the file is parsed once, not twice.
- Drafts (`IS MESSAGE DRAFT` true) are skipped, because the other side never saw them; the
  number skipped is kept in `conversation.extra["drafts_skipped"]`.
- Group threads: the counterpart is the first sender who is not the owner; every non-owner
  participant (counterpart first) is listed in `conversation.extra["participants"]` as
  `{"name", "profile_url"}`; their messages have sender "counterpart" and their own
  `sender_name`.
- `Invitations.csv`: an invitation with a note is often the first approach. It becomes a
  message (`extra["kind"] == "invitation"`) of the conversation with that person (matched by
  profile URL, else name); with no such conversation it becomes a conversation of its own
  (id `linkedin:invitation:<url or name>`). Invitations without a note are ignored.
- `Connections.csv` fills the counterpart's company, headline (Position), profile URL,
  `extra["connected_on"]` and an e-mail identity.
- The owner is `ctx.owner`, else the name in `Profile.csv`, else the name taking part in
  most conversations (with a warning that it was inferred; a tie goes to a name that is not
  a connection, then to the first in the file, with a warning that it was a guess).
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Generic, TextIO, TypeVar

from lurewatch.extract.identity import normalise_linkedin_url, normalise_name
from lurewatch.ingest.base import (
    MAX_MESSAGE_CHARS,
    InputError,
    ReadContext,
    Reader,
)
from lurewatch.ingest.csvutil import Row, read_rows
from lurewatch.ingest.safezip import EntryError, SafeZip, is_zip, open_text_file
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "linkedin"
MESSAGES = "messages.csv"
INVITATIONS = "invitations.csv"
CONNECTIONS = "connections.csv"
PROFILE = "profile.csv"
_WANTED = (MESSAGES, INVITATIONS, CONNECTIONS, PROFILE)

MESSAGE_COLUMNS = ("conversation id", "from", "date", "content")
INVITATION_COLUMNS = ("from", "to", "sent at", "message", "direction")
CONNECTION_COLUMNS = ("first name", "last name")
PROFILE_COLUMNS = ("first name", "last name")

MAX_INDEXED = 200_000  # invitations and connections kept in memory for matching
# messages.csv rows kept from the first pass so the file is parsed once; beyond this (a few
# hundred MB of text) the file is read a second time instead
MAX_KEPT_ROWS = 1_000_000
_FOLDER_DEPTH = 3
_FOLDER_MAX_FILES = 20_000

_URL = re.compile(r"https?://[^\s,;\"'<>]+", re.I)
_TRUE = frozenset({"true", "yes", "1"})


# --- where the export's files come from -------------------------------------------------


class _Source:
    """The export's CSV files by lowercase base name: a folder, a zip, or one file."""

    def find(self, basename: str) -> str | None:
        raise NotImplementedError

    def open_text(self, key: str, ctx: ReadContext) -> TextIO:
        raise NotImplementedError

    def label(self, key: str) -> str:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""


class _FolderSource(_Source):
    def __init__(self, root: Path) -> None:
        self.files = _index_folder(root)

    def find(self, basename: str) -> str | None:
        path = self.files.get(basename)
        return str(path) if path else None

    def open_text(self, key: str, ctx: ReadContext) -> TextIO:
        return open_text_file(Path(key), ctx)

    def label(self, key: str) -> str:
        return key


class _SingleFileSource(_FolderSource):
    def __init__(self, path: Path, kind: str) -> None:
        self.files = {kind: path}


class _ZipSource(_Source):
    def __init__(self, archive: SafeZip) -> None:
        self.archive = archive

    def find(self, basename: str) -> str | None:
        return self.archive.find(basename)

    def open_text(self, key: str, ctx: ReadContext) -> TextIO:
        return self.archive.open_text(key, ctx)

    def label(self, key: str) -> str:
        return self.archive.label(key)

    def close(self) -> None:
        self.archive.close()


def _index_folder(root: Path) -> dict[str, Path]:
    """The shallowest file of each wanted name under `root`, looking a few levels down."""
    found: dict[str, tuple[int, Path]] = {}
    seen = 0
    root_depth = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        depth = len(Path(dirpath).parts) - root_depth
        if depth >= _FOLDER_DEPTH:
            dirnames[:] = []
        dirnames.sort()
        for name in sorted(filenames):
            seen += 1
            key = name.casefold()
            if key in _WANTED and (key not in found or depth < found[key][0]):
                found[key] = (depth, Path(dirpath) / name)
        if seen > _FOLDER_MAX_FILES:
            break
    return {k: p for k, (_, p) in found.items()}


def _is_export_folder(path: Path) -> bool:
    """The folder is itself an export: messages.csv or Invitations.csv sits in it, or in the
    one folder it wraps. A folder that merely holds an export among other things (a folder
    of exports, chats and e-mails) is walked instead, so every input in it is read."""
    entries = [p for p in path.iterdir() if not p.name.startswith(".")]
    if any(p.is_file() and p.name.casefold() in (MESSAGES, INVITATIONS) for p in entries):
        return True
    if len(entries) == 1 and entries[0].is_dir():
        return _is_export_folder(entries[0])
    return False


def _csv_kind(path: Path) -> str | None:
    """Which export file a lone CSV is, judged by its header."""
    try:
        with open_text_file(path, None) as f:
            head = f.read(8192).casefold()
    except (EntryError, OSError, UnicodeError):
        return None
    if "conversation id" in head and "content" in head:
        return MESSAGES
    if "sent at" in head and "direction" in head:
        return INVITATIONS
    return None


def _rows(
    source: _Source, key: str, ctx: ReadContext, required: Iterable[str]
) -> Generator[Row, None, None]:
    """Rows of one export file; an unreadable file or damaged entry is one warning."""
    label = source.label(key)
    try:
        with source.open_text(key, ctx) as stream:
            yield from read_rows(stream, label, ctx, tuple(required))
    except EntryError as e:
        ctx.skip(f"stopped reading: {e}", path=label)


# --- values ------------------------------------------------------------------------------


def parse_message_date(raw: str) -> datetime | None:
    """`2023-06-11 15:33:58 UTC` (and ISO variants) -> aware UTC datetime."""
    if len(raw) == 23 and raw.endswith(" UTC") and not raw[0].isspace() \
            and not raw[18].isspace() and "Z" not in raw:
        # the form every row of a real export has: the general path below, minus the copies
        try:
            ts = datetime.fromisoformat(raw[:19])
        except ValueError:
            return None
        return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    text = raw.strip()
    if text.upper().endswith(" UTC"):
        text = text[:-4].strip()
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


_INVITE_FORMATS = ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y, %H:%M")


def parse_invitation_date(raw: str) -> datetime | None:
    """`1/29/26, 2:37 PM` (the export gives no zone; read as UTC)."""
    text = re.sub(r"\s+", " ", raw.replace("\u202f", " ").replace("\xa0", " ")).strip()
    for fmt in _INVITE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return parse_message_date(text)


def _parse_connected_on(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    for fmt in ("%d %b %Y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


_TAGS = (
    "a|abbr|b|big|blockquote|br|center|code|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|s|small"
    "|span|strike|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul"
)
_DROP_BLOCK = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_LINK = re.compile(r"<a\b[^<>]*?\bhref\s*=\s*[\"']([^\"']*)[\"'][^<>]*>(.*?)</a\s*>", re.I | re.S)
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6])\s*>", re.I)
_TAG = re.compile(rf"</?(?:{_TAGS})\b[^<>]*/?>", re.I)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def html_to_text(content: str) -> str:
    """Plain text from message content that may carry HTML markup and entities.

    Links keep their address (`text (url)`) so handles and URLs stay visible downstream.
    Only real HTML tag names are removed, so `<your name>` in plain text survives.
    """
    if "<" not in content and "&" not in content:
        return content
    text = content
    if "<" in text:
        text = _DROP_BLOCK.sub("", text)
        text = _LINK.sub(_link_text, text)
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    return _BLANK_LINES.sub("\n\n", text).strip()


def _link_text(match: re.Match[str]) -> str:
    url, label = html.unescape(match.group(1)).strip(), _TAG.sub("", match.group(2)).strip()
    if not label or html.unescape(label) == url:
        return url
    return f"{label} ({url})" if url else label


def _attachments(raw: str) -> list[str]:
    raw = raw.strip()
    if not raw:
        return []
    return _URL.findall(raw) or [raw]


@lru_cache(maxsize=4096)  # the same TO fields repeat on every row of a conversation
def _recipients(names: str, urls: str) -> tuple[tuple[str, str | None], ...]:
    """Pair the TO names with RECIPIENT PROFILE URLS where the counts agree."""
    links = _URL.findall(urls)
    names = names.strip()
    if not names:
        return tuple(("", u) for u in links)
    parts = [p.strip() for p in names.split(",") if p.strip()]
    if len(links) > 1 and len(parts) == len(links):
        return tuple(zip(parts, links, strict=True))
    # "Jane Doe, PhD" is one person; "Ana Silva, Ben Ho" is two.
    if len(parts) > 1 and all(" " in p for p in parts):
        return tuple((p, None) for p in parts)
    return ((names, links[0] if links else None),)


# The same few names and URLs recur on every row: normalise each once.
_name_key = lru_cache(maxsize=1 << 16)(normalise_name)
_url_key = lru_cache(maxsize=1 << 16)(normalise_linkedin_url)


def _norm_url(url: str | None) -> str | None:
    return _url_key(url) if url and url.strip() else None


# --- rows, owner, indexes ----------------------------------------------------------------


@dataclass(slots=True)
class _MessageRow:
    line: int
    conversation_id: str
    title: str
    sender: str
    sender_url: str
    to: str
    to_urls: str
    date: str
    subject: str
    content: str
    folder: str
    attachments: str
    draft: bool


def _message_row(row: Row) -> _MessageRow:
    get = row.values.get
    return _MessageRow(
        line=row.line,
        conversation_id=get("conversation id", "").strip(),
        title=get("conversation title", "").strip(),
        sender=get("from", "").strip(),
        sender_url=get("sender profile url", "").strip(),
        to=get("to", ""),
        to_urls=get("recipient profile urls", ""),
        date=get("date", ""),
        subject=get("subject", "").strip(),
        content=get("content", ""),
        folder=get("folder", "").strip(),
        attachments=get("attachments", ""),
        draft=(get("is message draft", "").strip().casefold() in _TRUE
               or get("is conversation draft", "").strip().casefold() in _TRUE),
    )


@dataclass
class _Owner:
    name: str | None
    names: set[str] = field(default_factory=set)  # normalised
    urls: set[str] = field(default_factory=set)  # normalised

    def matches(self, name: str, url: str | None) -> bool:
        u = _norm_url(url)
        if u is not None and u in self.urls:
            return True
        return bool(name) and _name_key(name) in self.names


@dataclass
class _Scan:
    """What a cheap first pass over messages.csv learns: split ids and who takes part."""

    split_ids: set[str] = field(default_factory=set)
    conversations: int = 0
    participation: Counter[str] = field(default_factory=Counter)  # conversations per name
    sends: Counter[str] = field(default_factory=Counter)
    display: dict[str, str] = field(default_factory=dict)
    urls: dict[str, set[str]] = field(default_factory=dict)  # name -> sender URLs


def _scan(rows: Iterable[_MessageRow]) -> _Scan:
    scan = _Scan()
    closed: set[str] = set()
    current: str | None = None
    senders: set[str] = set()
    present: set[str] = set()

    def close_group() -> None:
        scan.sends.update(senders)
        scan.participation.update(present)

    for r in rows:
        if r.conversation_id != current:
            if current is not None:
                closed.add(current)
                close_group()
            current, senders, present = r.conversation_id, set(), set()
            if r.conversation_id in closed:
                scan.split_ids.add(r.conversation_id)
            else:
                scan.conversations += 1
        if r.sender:
            key = _name_key(r.sender)
            scan.display.setdefault(key, r.sender)
            senders.add(key)
            present.add(key)
            url = _norm_url(r.sender_url)
            if url:
                scan.urls.setdefault(key, set()).add(url)
        for name, _ in _recipients(r.to, r.to_urls):
            if name:
                key = _name_key(name)
                scan.display.setdefault(key, name)
                present.add(key)
    if current is not None:
        close_group()
    return scan


class _KeptRows:
    """The first pass's rows, with how many problems had been reported before each, so the
    second pass can hand them out again with the problems in the order a re-read gives."""

    def __init__(self) -> None:
        self.rows: list[_MessageRow] = []
        self.marks: list[int] = []  # problems reported before each row
        self.complete = True  # False once the file had more than MAX_KEPT_ROWS rows

    def keep(self, rows: Iterable[_MessageRow], ctx: ReadContext) -> Iterator[_MessageRow]:
        for r in rows:
            if self.complete:
                if len(self.rows) >= MAX_KEPT_ROWS:
                    self.complete = False
                    self.rows, self.marks = [], []
                else:
                    self.rows.append(r)
                    self.marks.append(len(ctx.issues))
            yield r

    def replay(self, first: ReadContext, ctx: ReadContext) -> Iterator[_MessageRow]:
        done = 0
        rows: list[_MessageRow | None] = list(self.rows)
        marks = self.marks
        self.rows = []
        for k, mark in enumerate(marks):
            if mark > done:
                ctx.issues.extend(first.issues[done:mark])
                done = mark
            r, rows[k] = rows[k], None  # let rows go as they are built into conversations
            assert r is not None
            yield r
        ctx.issues.extend(first.issues[done:])
        ctx.skipped += first.skipped


@dataclass(slots=True)
class _Invite:
    line: int
    counterpart: str
    counterpart_url: str | None
    sender: str  # "owner" / "counterpart"
    sender_name: str
    ts: datetime | None
    text: str
    used: bool = False


@dataclass(slots=True)
class _Connection:
    name: str
    url: str | None
    email: str | None
    company: str | None
    position: str | None
    connected_on: str | None


_T = TypeVar("_T")


class _ByPerson(Generic[_T]):
    """Records of people, looked up by normalised profile URL, else by normalised name."""

    def __init__(self) -> None:
        self.by_url: dict[str, list[_T]] = {}
        self.by_name: dict[str, list[_T]] = {}
        self.order: list[_T] = []

    def add(self, item: _T, name: str, url: str | None) -> None:
        self.order.append(item)
        u = _norm_url(url)
        if u:
            self.by_url.setdefault(u, []).append(item)
        if name.strip():
            self.by_name.setdefault(_name_key(name), []).append(item)

    def lookup(self, name: str | None, url: str | None) -> list[_T]:
        u = _norm_url(url)
        if u and u in self.by_url:
            return self.by_url[u]
        return self.by_name.get(_name_key(name), []) if name else []


# --- the reader --------------------------------------------------------------------------


class LinkedInReader(Reader):
    name = "linkedin"
    description = "LinkedIn data export: zip, unpacked folder, or messages.csv"

    def sniff(self, path: Path) -> float:
        if path.is_dir():
            return 0.9 if _is_export_folder(path) else 0.0
        if not path.is_file():
            return 0.0
        if is_zip(path):
            try:
                with SafeZip(path) as archive:
                    found = archive.find(MESSAGES) or archive.find(INVITATIONS)
            except InputError:
                # Damaged, but named like a LinkedIn export: claim it so the user hears why.
                return 0.5 if "linkedin" in path.name.casefold() else 0.0
            return 0.9 if found else 0.0
        if path.suffix.casefold() in (".csv", ".txt"):
            kind = _csv_kind(path)
            return 0.8 if kind == MESSAGES else 0.6 if kind == INVITATIONS else 0.0
        return 0.0

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = _open_source(Path(path), ctx)
        try:
            yield from _ExportRead(source, str(path), ctx).conversations()
        finally:
            source.close()


def _open_source(path: Path, ctx: ReadContext) -> _Source:
    if path.is_dir():
        source: _Source = _FolderSource(path)
    elif is_zip(path):
        source = _ZipSource(SafeZip(path, ctx))
    elif path.is_file():
        by_name = path.name.casefold()
        kind = by_name if by_name in (MESSAGES, INVITATIONS) else _csv_kind(path)
        if kind is None:
            raise InputError("not a LinkedIn export: no messages.csv or Invitations.csv header")
        source = _SingleFileSource(path, kind)
    else:
        raise InputError("no such file or folder")
    if source.find(MESSAGES) is None and source.find(INVITATIONS) is None:
        source.close()
        raise InputError("not a LinkedIn export: no messages.csv or Invitations.csv found")
    return source


class _ExportRead:
    """One read of one export: owner, indexes, then conversations streamed."""

    def __init__(self, source: _Source, path: str, ctx: ReadContext) -> None:
        self.source = source
        self.path = path
        self.ctx = ctx
        self.messages_key = source.find(MESSAGES)
        self.connections = self._load_connections()
        self.owner = _Owner(None)
        self.invites = _ByPerson[_Invite]()

    def _message_rows(self, ctx: ReadContext) -> Iterator[_MessageRow]:
        if self.messages_key is None:
            return
        for row in _rows(self.source, self.messages_key, ctx, MESSAGE_COLUMNS):
            if not row["conversation id"].strip():
                ctx.skip("row without a CONVERSATION ID; skipped", row.line,
                         self.source.label(self.messages_key))
                continue
            yield _message_row(row)

    def conversations(self) -> Iterator[Conversation]:
        # The first pass reports into a scratch context. Its rows are kept (up to
        # MAX_KEPT_ROWS), so the second pass reads them instead of parsing the file again and
        # replays the first pass's problems in the same order; a larger file is read twice.
        scratch = ReadContext(self.ctx.path)
        kept = _KeptRows()
        scan = (_scan(kept.keep(self._message_rows(scratch), scratch)) if self.messages_key
                else _Scan())
        invite_rows = self._invitation_rows()
        self.owner = self._resolve_owner(scan, invite_rows)
        self._index_invitations(invite_rows)
        rows = (kept.replay(scratch, self.ctx) if kept.complete
                else self._message_rows(self.ctx))
        yield from self._conversations_from_messages(scan.split_ids, rows)
        yield from self._standalone_invitations()

    # owner ---------------------------------------------------------------------------

    def _resolve_owner(self, scan: _Scan, invites: list[Row]) -> _Owner:
        name = self.ctx.owner or self._profile_name()
        via = "--owner" if self.ctx.owner else "Profile.csv"
        if name and scan.conversations and _name_key(name) not in scan.participation:
            if self.ctx.owner is None:
                self.ctx.warn(f"owner {name!r} from Profile.csv never appears in messages.csv;"
                              " inferring the owner instead", path=self.path)
                name = None
            else:
                self.ctx.warn(f"owner {name!r} never appears in messages.csv", path=self.path)
        if not name:
            name = self._infer_owner(scan, invites)
            via = "inferred"
        owner = _Owner(name)
        if name:
            key = _name_key(name)
            owner.names.add(key)
            owner.urls |= scan.urls.get(key, set())
        elif scan.conversations or invites:
            self.ctx.warn("could not tell whose export this is; every message is read as the"
                          " counterpart's (use --owner NAME)", path=self.path)
        if via == "inferred" and name:
            self.ctx.warn(f"owner inferred as {name!r} (takes part in the most conversations);"
                          " use --owner NAME to override", path=self.path)
        return owner

    def _profile_name(self) -> str | None:
        key = self.source.find(PROFILE)
        if key is None:
            return None
        with closing(_rows(self.source, key, self.ctx, PROFILE_COLUMNS)) as rows:
            for row in rows:
                name = f"{row['first name'].strip()} {row['last name'].strip()}".strip()
                if name:
                    return name
        return None

    def _infer_owner(self, scan: _Scan, invites: list[Row]) -> str | None:
        if scan.participation:
            return scan.display[self._likeliest_owner(scan)]
        # No messages: the owner is the receiving side of incoming invitations.
        sides = Counter(
            (r["to"] if r["direction"].strip().casefold() == "incoming" else r["from"]).strip()
            for r in invites
        )
        sides.pop("", None)
        return sides.most_common(1)[0][0] if sides else None

    def _likeliest_owner(self, scan: _Scan) -> str:
        """The name in the most conversations, then with the most of them written to. A tie
        (an export of one conversation, say) goes to the one who is not among the export's
        connections (the owner never is), then to the first seen in the file: never to the
        order of a set, which changes from run to run."""
        first_seen = {key: i for i, key in enumerate(scan.display)}
        ranked = sorted(scan.participation, key=lambda k: (
            -scan.participation[k], -scan.sends[k],
            bool(self.connections.lookup(scan.display[k], None)), first_seen[k]))
        best = ranked[0]
        tied = [k for k in ranked[1:] if (scan.participation[k], scan.sends[k])
                == (scan.participation[best], scan.sends[best])]
        if tied:
            others = ", ".join(repr(scan.display[k]) for k in tied[:3])
            self.ctx.warn(f"owner guessed between names that take part equally ({others} "
                          f"too); use --owner NAME to be sure", path=self.path)
        return best

    # indexes -------------------------------------------------------------------------

    def _load_connections(self) -> _ByPerson[_Connection]:
        index = _ByPerson[_Connection]()
        key = self.source.find(CONNECTIONS)
        if key is None:
            return index
        for row in _rows(self.source, key, self.ctx, CONNECTION_COLUMNS):
            if len(index.order) >= MAX_INDEXED:
                self.ctx.warn(f"more than {MAX_INDEXED} connections; the rest are not used",
                              path=self.source.label(key))
                break
            name = f"{row['first name'].strip()} {row['last name'].strip()}".strip()
            if not name:
                continue
            conn = _Connection(
                name=name,
                url=row["url"].strip() or None,
                email=row["email address"].strip() or None,
                company=row["company"].strip() or None,
                position=row["position"].strip() or None,
                connected_on=_parse_connected_on(row["connected on"]),
            )
            index.add(conn, name, conn.url)
        return index

    def _invitation_rows(self) -> list[Row]:
        """Invitations that carry a note (the only ones that can be an approach)."""
        key = self.source.find(INVITATIONS)
        if key is None:
            return []
        kept: list[Row] = []
        for row in _rows(self.source, key, self.ctx, INVITATION_COLUMNS):
            if not row["message"].strip():
                continue
            if len(kept) >= MAX_INDEXED:
                self.ctx.warn(f"more than {MAX_INDEXED} invitations with a note; the rest are"
                              " not used", path=self.source.label(key))
                break
            kept.append(row)
        return kept

    def _index_invitations(self, rows: list[Row]) -> None:
        key = self.source.find(INVITATIONS)
        label = self.source.label(key) if key else self.path
        for row in rows:
            direction = row["direction"].strip().casefold()
            sender_name, recipient = row["from"].strip(), row["to"].strip()
            if direction not in ("incoming", "outgoing"):
                direction = "outgoing" if self.owner.matches(sender_name, None) else "incoming"
            if direction == "incoming":
                who, url, sender = sender_name, row["inviterprofileurl"], "counterpart"
            else:
                who, url, sender = recipient, row["inviteeprofileurl"], "owner"
            ts = parse_invitation_date(row["sent at"])
            if ts is None and row["sent at"].strip():
                self.ctx.warn(f"unreadable date {row['sent at'].strip()!r}", row.line, label)
            invite = _Invite(
                line=row.line, counterpart=who, counterpart_url=url.strip() or None,
                sender=sender, sender_name=sender_name, ts=ts,
                text=self._clip(html_to_text(row["message"]), label, row.line),
            )
            self.invites.add(invite, who, invite.counterpart_url)

    # conversations -------------------------------------------------------------------

    def _conversations_from_messages(self, split_ids: set[str], rows: Iterable[_MessageRow]
                                     ) -> Iterator[Conversation]:
        held: dict[str, list[_MessageRow]] = {}  # only conversations whose rows are split
        group: list[_MessageRow] = []
        for r in rows:
            if group and r.conversation_id != group[0].conversation_id:
                yield from self._finish_group(group, split_ids, held)
                group = []
            group.append(r)
        if group:
            yield from self._finish_group(group, split_ids, held)
        for conversation_id, rows in held.items():
            conversation = self._build(conversation_id, rows)
            if conversation is not None:
                yield self.ctx.count(conversation)

    def _finish_group(
        self, group: list[_MessageRow], split_ids: set[str], held: dict[str, list[_MessageRow]]
    ) -> Iterator[Conversation]:
        conversation_id = group[0].conversation_id
        if conversation_id in split_ids:
            held.setdefault(conversation_id, []).extend(group)
            return
        conversation = self._build(conversation_id, group)
        if conversation is not None:
            yield self.ctx.count(conversation)

    def _clip(self, text: str, label: str, line: int) -> str:
        if len(text) > MAX_MESSAGE_CHARS:
            self.ctx.warn(f"message longer than {MAX_MESSAGE_CHARS} characters; truncated",
                          line, label)
            return text[:MAX_MESSAGE_CHARS]
        return text

    def _build(self, conversation_id: str, rows: list[_MessageRow]) -> Conversation | None:
        label = self.source.label(self.messages_key or MESSAGES)
        messages: list[Message] = []
        drafts = 0
        for r in rows:
            if r.draft:
                drafts += 1
                continue
            ts = parse_message_date(r.date)
            if ts is None:
                self.ctx.warn(f"unreadable DATE {r.date.strip()[:40]!r}", r.line, label)
            extra: dict[str, object] = {"line": r.line}
            if r.subject:
                extra["subject"] = r.subject
            if r.folder:
                extra["folder"] = r.folder
            attachments = _attachments(r.attachments)
            if attachments:
                extra["attachments"] = attachments
            messages.append(Message(
                sender="owner" if self.owner.matches(r.sender, r.sender_url) else "counterpart",
                platform=PLATFORM,
                text=self._clip(html_to_text(r.content), label, r.line),
                ts=ts,
                sender_name=r.sender or None,
                extra=extra,
            ))
        messages = _time_order(messages)
        participants = self._participants(rows, messages)
        cp_name, cp_url = participants[0] if participants else ("", None)
        messages = self._with_invitations(messages, cp_name, cp_url)
        if not messages:
            return None
        extra: dict[str, object] = {
            "participants": [{"name": n, "profile_url": u} for n, u in participants],
        }
        title = next((r.title for r in rows if r.title), "")
        if title:
            extra["title"] = title
        if drafts:
            extra["drafts_skipped"] = drafts
        return self._conversation(
            f"linkedin:{conversation_id}", messages, cp_name, cp_url, extra
        )

    def _participants(
        self, rows: list[_MessageRow], messages: list[Message]
    ) -> list[tuple[str, str | None]]:
        """Non-owner participants: senders in time order, then recipients who never wrote."""
        url_of = {r.sender: r.sender_url for r in rows if r.sender and r.sender_url}
        found: dict[str, tuple[str, str | None]] = {}
        for m in messages:
            if m.sender == "counterpart" and m.sender_name:
                key = _name_key(m.sender_name)
                found.setdefault(key, (m.sender_name, url_of.get(m.sender_name) or None))
        for r in rows:
            for name, url in _recipients(r.to, r.to_urls):
                if name and not self.owner.matches(name, url):
                    found.setdefault(_name_key(name), (name, url))
        return list(found.values())

    def _with_invitations(
        self, messages: list[Message], name: str, url: str | None
    ) -> list[Message]:
        invites = [i for i in self.invites.lookup(name, url) if not i.used]
        if not invites:
            return messages
        texts = {_squash(m.text): m for m in messages}
        added: list[Message] = []
        for invite in invites:
            invite.used = True
            same = texts.get(_squash(invite.text))
            if same is not None:  # the accepted note also shows up in messages.csv
                same.extra["kind"] = "invitation"
                continue
            added.append(_invite_message(invite))
        return _time_order(added + messages) if added else messages

    def _standalone_invitations(self) -> Iterator[Conversation]:
        groups: dict[str, list[_Invite]] = {}
        for invite in self.invites.order:
            if invite.used:
                continue
            key = _norm_url(invite.counterpart_url) or _name_key(invite.counterpart)
            groups.setdefault(key, []).append(invite)
        for key, invites in groups.items():
            first = invites[0]
            messages = _time_order([_invite_message(i) for i in invites])
            conversation = self._conversation(
                f"linkedin:invitation:{key}", messages, first.counterpart,
                first.counterpart_url,
                {"participants": [{"name": first.counterpart,
                                   "profile_url": first.counterpart_url}]},
            )
            yield self.ctx.count(conversation)

    def _conversation(
        self, conversation_id: str, messages: list[Message], name: str, url: str | None,
        extra: dict[str, object],
    ) -> Conversation:
        counterpart = Counterpart(name=name or "(unknown)", profile_url=url or None)
        identities: set[tuple[str, str]] = set()
        matches = self.connections.lookup(name, url)
        if matches:
            conn = matches[0]
            counterpart.company = conn.company
            counterpart.headline = conn.position
            counterpart.profile_url = counterpart.profile_url or conn.url
            if conn.connected_on:
                counterpart.extra["connected_on"] = conn.connected_on
            if conn.email:
                counterpart.extra["email"] = conn.email
                identities.add(("email", conn.email.casefold()))
        if counterpart.profile_url:
            identities.add(("linkedin-url", _url_key(counterpart.profile_url)))
        if name:
            identities.add(("name", _name_key(name)))
        return Conversation(
            id=conversation_id,
            messages=messages,
            owner=self.owner.name,
            counterpart=counterpart,
            source=self.path,
            format="linkedin",
            identities=identities,
            extra=extra,
        )


def _invite_message(invite: _Invite) -> Message:
    return Message(
        sender=invite.sender,  # type: ignore[arg-type]
        platform=PLATFORM,
        text=invite.text,
        ts=invite.ts,
        sender_name=invite.sender_name or None,
        extra={"kind": "invitation", "line": invite.line},
    )


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def _time_order(messages: list[Message]) -> list[Message]:
    """Messages oldest first. Exports list a conversation newest-first, so a run that
    goes backwards in time is reversed first (keeping same-second messages in order);
    a message without a date stays after the one before it."""
    if not messages:
        return messages
    dated = [m.ts for m in messages if m.ts is not None]
    if len(dated) >= 2 and dated[0] > dated[-1]:
        messages = messages[::-1]
    keys: list[datetime] = []
    last = datetime.min.replace(tzinfo=UTC)
    for m in messages:
        last = m.ts if m.ts is not None else last
        keys.append(last)
    order = sorted(range(len(messages)), key=lambda i: keys[i])
    return [messages[i] for i in order]


READER = LinkedInReader()

__all__ = [
    "READER",
    "LinkedInReader",
    "html_to_text",
    "parse_invitation_date",
    "parse_message_date",
]
