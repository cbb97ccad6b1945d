"""E-mail: one `.eml` file, a folder of them, or an `mbox` mailbox (standard library `email`).

Reading happens in two passes so memory does not grow with the mailbox: the first pass
keeps only each message's headers and byte range (the index); threads are formed from
that index; the second pass re-reads the messages of one thread at a time.

- Threads: References / In-Reply-To, and the normalised subject with the set of
  addresses other than the owner's (for clients that drop the references).
- Owner: `--owner` (a name or an address); otherwise the Delivered-To address, or the
  address found in the most messages (for a single message: its To address; ties are
  broken in `_guess_owner`), reported as a warning.
- `Message.text` is the new text only; quoted replies ("On ... wrote:", "> " lines,
  Outlook "-----Original Message-----" and "From:/Sent:" blocks, Chinese "发件人:") go to
  `extra["quoted"]`. Signatures stay in the text. Forwarded messages stay in the text:
  what someone forwards is part of what they are sending now.
- HTML bodies become text with the standard library parser; scripts and styles are dropped
  (and counted in `extra["html_scripts"]`), link targets are kept in brackets.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO, cast

from lurewatch.extract.identity import normalise_handle
from lurewatch.ingest.base import InputError, ReadContext, Reader
from lurewatch.ingest.textutil import (
    SNIFF_BYTES,
    IssueLimiter,
    clip_text,
    decode_bytes,
    names_match,
    open_text_source,
)
from lurewatch.model import Conversation, Counterpart, Message

PLATFORM = "email"
MAX_HEADER_BYTES = 256 * 1024  # a header block beyond this is not a real mail's
MAX_MAIL_BYTES = 64 * 1024 * 1024  # one message, attachments included (base64 of ~45 MB)
_READ_CHUNK = 64 * 1024

_KNOWN_HEADERS = frozenset({
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "mime-version", "delivered-to", "reply-to", "in-reply-to", "references", "sender",
    "content-type", "x-mailer", "dkim-signature", "thread-topic",
})
_HEADER_LINE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]{0,76}):")
_MBOX_FROM = re.compile(rb"^From \S+")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


# ---------------------------------------------------------------------------------------
# The index: what the first pass keeps per message.


@dataclass(slots=True, frozen=True)
class Address:
    name: str  # display name, "" when absent
    addr: str  # casefolded address


@dataclass(slots=True)
class Locator:
    """Where a message's bytes are, so it can be re-read later."""

    path: Path
    start: int
    end: int
    number: int | None = None  # 1-based message number within an mbox
    line: int | None = None  # line of the mbox "From " separator

    def label(self) -> str:
        return f"message {self.number}" if self.number is not None else self.path.name


@dataclass(slots=True)
class Summary:
    locator: Locator
    order: int
    message_id: str | None
    parents: list[str]
    subject: str
    sender: Address | None
    recipients: list[Address]
    date: datetime | None
    delivered_to: list[str] = field(default_factory=list)  # the mailbox it was delivered to

    def addresses(self) -> list[Address]:
        return ([self.sender] if self.sender else []) + self.recipients


@dataclass(slots=True)
class RawHead:
    locator: Locator
    header: bytes
    complete: bool  # False when the file ended inside the header block


# ---------------------------------------------------------------------------------------
# Headers.


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]+", " ", value).strip()


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: decode them for real."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        try:
            return decode_bytes(value.encode("utf-8", "surrogateescape"))
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode("utf-8")


def decode_header_text(raw: str) -> str:
    """A header value with RFC 2047 encoded words decoded, using charset supersets."""
    value = _unescape(_unfold(raw))
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, AssertionError, email.errors.HeaderParseError):
        return value
    text = "".join(
        chunk if isinstance(chunk, str) else decode_bytes(chunk, charset)
        for chunk, charset in parts
    )
    return re.sub(r"\s+", " ", text).strip()


def _raw_headers(msg: EmailMessage, name: str) -> list[str]:
    return [str(v) for k, v in msg.raw_items() if k.lower() == name]


def _first_header(msg: EmailMessage, name: str) -> str | None:
    values = _raw_headers(msg, name)
    return values[0] if values else None


def _addresses(msg: EmailMessage, *names: str) -> list[Address]:
    raw = [_unescape(_unfold(v)) for name in names for v in _raw_headers(msg, name)]
    found: list[Address] = []
    try:
        pairs = email.utils.getaddresses(raw)
    except (ValueError, TypeError, IndexError):
        return found
    for display, addr in pairs:
        addr = addr.strip().strip("<>").casefold()
        if "@" not in addr:
            continue
        found.append(Address(decode_header_text(display).strip("\"' "), addr))
    return found


def _date(msg: EmailMessage) -> datetime | None:
    raw = _first_header(msg, "date")
    if not raw:
        return None
    try:
        when = email.utils.parsedate_to_datetime(_unfold(raw))
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _ids(raw: str | None) -> list[str]:
    return _MESSAGE_ID.findall(raw or "")


class BrokenHeaders(ValueError):
    """The header block could not be read."""


def summarise(head: RawHead, order: int) -> Summary | None:
    """The index entry for one message, or None when the bytes are not an e-mail.
    Raises BrokenHeaders when they look like e-mail headers but cannot be read."""
    try:
        return _summarise(head, order)
    except Exception as e:  # the email package raises many types on hostile input
        raise BrokenHeaders(f"unreadable headers ({type(e).__name__})") from None


def _summarise(head: RawHead, order: int) -> Summary | None:
    msg = BytesHeaderParser(policy=policy.default).parsebytes(head.header)
    names = {k.lower() for k, _ in msg.raw_items()}
    if not names & {"from", "to", "subject", "date", "message-id"}:
        return None
    senders = _addresses(msg, "from")
    message_ids = _ids(_first_header(msg, "message-id"))
    parents = _ids(_first_header(msg, "references")) + _ids(_first_header(msg, "in-reply-to"))
    return Summary(
        locator=head.locator,
        order=order,
        message_id=message_ids[0] if message_ids else None,
        parents=parents,
        subject=decode_header_text(_first_header(msg, "subject") or ""),
        sender=senders[0] if senders else None,
        recipients=_addresses(msg, "to", "cc"),
        date=_date(msg),
        delivered_to=[a.addr for a in _addresses(msg, "delivered-to", "x-original-to")],
    )


# ---------------------------------------------------------------------------------------
# Bodies: choose the text part, turn HTML into text, set quoted replies apart.


class _HtmlText(HTMLParser):
    """Visible text of an HTML body: scripts and styles dropped, blocks on their own lines,
    block quotes marked with "> " so replies quoted in HTML are recognised."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg"})
    _BLOCK = frozenset({
        "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5",
        "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd",
        "dt", "address",
    })
    _LINE = frozenset({"br", "li", "tr", "dd", "dt"})  # end a line, not a paragraph

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.scripts = 0
        self.link: tuple[str, int] | None = None  # href, index in `current` where it began

    def _flush(self, paragraph: bool = False) -> None:
        """End the current line; after a paragraph-like block, leave one blank line."""
        text = re.sub(r"[ \t\r\n\u00a0]+", " ", "".join(self.current)).strip()
        self.current = []
        if text:
            self.lines.append("> " * self.quote_depth + text)
        if paragraph and self.lines and self.lines[-1]:
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip_depth += 1
            if tag == "script":
                self.scripts += 1
            return
        if tag in self._BLOCK:
            self._flush()
        if tag == "blockquote":
            self.quote_depth += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = (href, len(self.current)) if href else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag == "a" and self.link is not None:
            href, begun = self.link
            shown = "".join(self.current[begun:])
            target = href.removeprefix("mailto:")
            if href.lower().startswith(("http:", "https:", "mailto:")) and target not in shown:
                self.current.append(f" ({target})")
            self.link = None
        if tag in self._BLOCK:
            self._flush(paragraph=tag not in self._LINE)
        if tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines).strip()


def html_to_text(html: str) -> tuple[str, int]:
    """(visible text, number of <script> elements dropped)."""
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.scripts


_ATTRIBUTION = re.compile(
    r"^\s*(?:On\b.{0,300}\bwrote\s*:|Am\b.{0,300}\bschrieb.{0,120}:|Le\b.{0,300}a écrit\s*:"
    r"|.{0,200}写道\s*[:：]?)\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|原始邮件|原始郵件)"
    r"\s*-{2,}\s*$",
    re.IGNORECASE,
)
_QUOTE_FROM = re.compile(r"^\s*\*?(?:From|发件人|寄件者|Von|De)\s*\*?\s*[:：]", re.IGNORECASE)
_QUOTE_META = re.compile(
    r"^\s*\*?(?:Sent|Date|To|Subject|发送时间|时间|日期|收件人|主题|寄件日期|Gesendet|Datum|An|Betreff"
    r"|Envoyé)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"^\s*(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:"
    r"|-{2,}\s*转发的邮件\s*-{2,})",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{8,}\s*$")


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook-style quoted header: "From:" with "Sent:"/"To:"/... in the next lines."""
    if _ORIGINAL.match(lines[i]):
        return True
    if not _QUOTE_FROM.match(lines[i]):
        return False
    return any(_QUOTE_META.match(line) for line in lines[i + 1 : i + 6])


_ATTRIBUTION_WORDS = ("wrote", "schrieb", "écrit", "写道")
# Lines that could start or belong to a quote; every other line is new text.
_MAYBE_QUOTE = re.compile(
    r"[ \t]*(?:>|\*?(?:From|发件人|寄件者|Von|De)\b|-{2,}|_{8,}|On\b|Am\b|Le\b|在|Begin\b)",
    re.IGNORECASE,
)


def _maybe_quote(line: str) -> bool:
    """Cheap test: could this line start or belong to a quote? (Most lines cannot.)"""
    return bool(
        _MAYBE_QUOTE.match(line)
        or "wrote" in line
        or "schrieb" in line
        or "écrit" in line
        or "写道" in line
    )


def _attribution_at(lines: list[str], i: int) -> int:
    """Lines (1 or 2) taken by an "On ... wrote:" line starting at i; 0 when none."""
    line = lines[i]
    if any(word in line for word in _ATTRIBUTION_WORDS) and _ATTRIBUTION.match(line):
        return 1
    if i + 1 < len(lines) and line.strip():
        following = lines[i + 1]
        if any(word in following for word in _ATTRIBUTION_WORDS) and _ATTRIBUTION.match(
            f"{line.rstrip()} {following.strip()}"
        ):
            return 2
    return 0


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted text) of a reply body."""
    lines = text.splitlines()
    new: list[str] = []
    quoted: list[str] = []
    in_forward_headers = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if not in_forward_headers and not _maybe_quote(line):
            new.append(line)  # the common case, decided with one cheap test
            i += 1
            continue
        if _FORWARD.match(line):
            in_forward_headers = True
        elif in_forward_headers and not line.strip():
            in_forward_headers = False
        if not in_forward_headers and _header_block_at(lines, i):
            if new and _RULE.match(new[-1]):
                quoted.append(new.pop())
            quoted.extend(lines[i:])
            break
        span = 0 if in_forward_headers else _attribution_at(lines, i)
        if span:
            j = i + span
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines) and lines[j].lstrip().startswith(">"):
                quoted.extend(lines[i : i + span])
                i += span
                continue
            quoted.extend(lines[i:])
            break
        (quoted if line.lstrip().startswith(">") else new).append(line)
        i += 1
    return _tidy("\n".join(new)), _tidy("\n".join(quoted))


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


@dataclass(slots=True)
class Body:
    text: str
    quoted: str
    attachments: list[str] = field(default_factory=list)
    html: bool = False
    scripts: int = 0


def read_body(msg: EmailMessage) -> Body:
    """The new text, the quoted text and the attachment names of a parsed message."""
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    text, from_html, scripts = "", False, 0
    if plain is not None:
        text = _part_text(plain)
    if not text.strip() and html is not None:
        text, scripts = html_to_text(_part_text(html))
        from_html = True
    body_parts = {id(plain), id(html)}
    attachments = []
    for part in msg.walk():
        if part.is_multipart() or id(part) in body_parts:
            continue
        name = part.get_filename()
        if name:
            attachments.append(decode_header_text(name))
        elif part.get_content_disposition() == "attachment":
            attachments.append(f"(unnamed {part.get_content_type()})")
    new, quoted = split_quoted(text.replace("\r\n", "\n"))
    return Body(new, quoted, attachments, from_html, scripts)


# ---------------------------------------------------------------------------------------
# Finding the messages: one file, a folder, an mbox.


def _read_header(f: BinaryIO) -> tuple[bytes, bool]:
    """Bytes up to the blank line ending the header block (bounded), and whether it ended."""
    lines: list[bytes] = []
    size = 0
    while size < MAX_HEADER_BYTES:
        line = f.readline(MAX_HEADER_BYTES - size)
        if not line:
            return b"".join(lines), False
        if not line.strip():
            return b"".join(lines), True
        lines.append(line)
        size += len(line)
    return b"".join(lines), False


def _is_mbox(head: bytes) -> bool:
    first = head.lstrip(b"\r\n")
    return bool(_MBOX_FROM.match(first))


def _header_names(head: bytes) -> set[str]:
    names = set()
    for line in head.splitlines()[:60]:
        if not line.strip():
            break
        match = _HEADER_LINE.match(line)
        if match:
            names.add(match.group(1).decode("ascii").lower())
    return names


def scan_mbox(path: Path, f: BinaryIO) -> Iterator[RawHead]:
    """Each message of an mbox as its header bytes and byte range, reading lines with a
    bound. A "From " line starts a message only at the top or after a blank line."""
    pos = 0
    line_no = 0
    at_line_start = True
    previous_blank = True
    current: Locator | None = None
    number = 0
    while True:
        chunk = f.readline(_READ_CHUNK)
        if not chunk:
            break
        start_of_chunk = pos
        pos += len(chunk)
        if at_line_start:
            line_no += 1
            if previous_blank and _MBOX_FROM.match(chunk):
                if current is not None:
                    current.end = start_of_chunk
                    yield _head_of(current, f)
                    f.seek(pos)
                number += 1
                current = Locator(path, pos, pos, number, line_no)
                at_line_start = chunk.endswith(b"\n")
                previous_blank = False
                continue
            previous_blank = not chunk.strip()
        else:
            previous_blank = False
        at_line_start = chunk.endswith(b"\n")
    if current is not None:
        current.end = pos
        yield _head_of(current, f)


def _head_of(locator: Locator, f: BinaryIO) -> RawHead:
    f.seek(locator.start)
    header, complete = _read_header(f)
    if f.tell() > locator.end:  # the header block ran into the next message
        complete = False
        header = header[: max(0, locator.end - locator.start)]
    return RawHead(locator, header, complete)


def _message_bytes(locator: Locator) -> bytes:
    with locator.path.open("rb") as f:
        f.seek(locator.start)
        data = f.read(locator.end - locator.start)
    if locator.number is not None:  # mboxrd escapes body lines starting with "From "
        data = re.sub(rb"(?m)^>(>*From )", rb"\1", data)
    return data


# ---------------------------------------------------------------------------------------
# Owner, threads, conversations.


def _normal_subject(subject: str) -> str:
    prefix = re.compile(
        r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|tr|回复|答复|转发|回覆|轉寄|轉發)\s*(?:\[\d+\])?\s*[:：]\s*"
        r"|\[[^\]]{0,40}\]\s*)",
        re.IGNORECASE,
    )
    previous = None
    while previous != subject:
        previous, subject = subject, prefix.sub("", subject)
    return re.sub(r"\s+", " ", subject).strip().casefold()


@dataclass(slots=True)
class Owner:
    addresses: set[str]
    name: str | None


def infer_owner(summaries: list[Summary], ctx: ReadContext, source: str) -> Owner:
    """Who the mailbox belongs to: `--owner` when given, else inferred (with a warning)."""
    wanted = (ctx.owner or "").strip()
    if "@" in wanted:
        addr = wanted.casefold().strip("<>")
        if not any(a.addr == addr for s in summaries for a in s.addresses()):
            ctx.warn(f"owner address {addr} does not appear in any message", path=source)
        return Owner({addr}, _display_name(summaries, addr))
    if wanted:
        matched = {
            a.addr
            for s in summaries
            for a in s.addresses()
            if a.name and names_match(a.name, wanted)
        }
        if matched:
            return Owner(matched, wanted)
        ctx.warn(f"owner {wanted!r} matches no sender or recipient name; inferring it",
                 path=source)
    guess = _guess_owner(summaries)
    if guess is None:
        return Owner(set(), wanted or None)
    addr, reason = guess
    ctx.warn(f"owner not given; assumed to be {addr} ({reason}); use --owner to set it",
             path=source)
    return Owner({addr}, wanted or _display_name(summaries, addr))


def _guess_owner(summaries: list[Summary]) -> tuple[str, str] | None:
    """(address, why) of the likely mailbox owner, or None when there are no addresses.

    In order: the Delivered-To / X-Original-To address (it names the mailbox); for a single
    message, its To address; otherwise the address in the most messages, then the one with
    the most correspondents (the owner is the hub), then one that received mail (a mailbox
    holds what its owner received), then the one that sent the most (a thread saved by its
    owner usually holds the owner's replies), then the one that received the earliest
    message (an approach comes in to its owner), then in address order: never the order of
    a set, which changes from run to run. The caller warns that it is a guess.
    """
    delivered = Counter(addr for s in summaries for addr in s.delivered_to)
    if delivered:
        return delivered.most_common(1)[0][0], "the Delivered-To address"
    if len(summaries) == 1:
        recipients = summaries[0].recipients
        return (recipients[0].addr, "the To address") if recipients else None
    in_messages: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    first_received: dict[str, tuple[datetime, int]] = {}
    partners: dict[str, set[str]] = defaultdict(set)
    latest = datetime.max.replace(tzinfo=UTC)
    for s in summaries:
        present = {a.addr for a in s.addresses()}
        in_messages.update(present)
        when = (s.date or latest, s.order)
        for a in s.recipients:
            first_received[a.addr] = min(first_received.get(a.addr, when), when)
        if s.sender:
            sent[s.sender.addr] += 1
        for addr in present:
            partners[addr] |= present - {addr}
    if not in_messages:
        return None
    never = (latest, len(summaries))
    addr = min(
        in_messages,
        key=lambda a: (-in_messages[a], -len(partners[a]), a not in first_received, -sent[a],
                       first_received.get(a, never), a),
    )
    return addr, "the address in the most messages"


def _display_name(summaries: Iterable[Summary], addr: str) -> str | None:
    names = Counter(a.name for s in summaries for a in s.addresses() if a.addr == addr and a.name)
    return names.most_common(1)[0][0] if names else None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def group_threads(summaries: list[Summary], owner: Owner) -> list[list[Summary]]:
    """Messages grouped into conversations, threads in order of their first message."""
    uf = _UnionFind()
    for s in summaries:
        node = f"m:{s.order}"
        uf.find(node)
        for mid in ([s.message_id] if s.message_id else []) + s.parents:
            uf.union(node, f"id:{mid}")
        others = sorted({a.addr for a in s.addresses()} - owner.addresses)
        uf.union(node, f"s:{_normal_subject(s.subject)}|{','.join(others)}")
    threads: dict[str, list[Summary]] = defaultdict(list)
    for s in summaries:
        threads[uf.find(f"m:{s.order}")].append(s)
    return sorted(threads.values(), key=lambda t: t[0].order)


def _counterpart(thread: list[Summary], owner: Owner) -> Address | None:
    senders = Counter(s.sender.addr for s in thread if s.sender and s.sender.addr not in
                      owner.addresses)
    if senders:
        addr = senders.most_common(1)[0][0]
    else:
        others = [a.addr for s in thread for a in s.recipients if a.addr not in owner.addresses]
        if not others:
            return None
        addr = others[0]
    return Address(_display_name(thread, addr) or "", addr)


class EmailReader(Reader):
    name = "email"
    description = "e-mail: an .eml file, a folder of .eml files, or an mbox mailbox"

    # -- sniffing ------------------------------------------------------------------------

    def sniff(self, path: Path) -> float:
        if path.is_dir():
            return 0.9 if _mail_files(path, limit=1) else 0.0
        if not path.is_file():
            return 0.0
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
        suffix = path.suffix.lower()
        if _is_mbox(head) and _header_names(head.lstrip(b"\r\n").split(b"\n", 1)[-1]):
            return 0.95
        known = _header_names(head) & _KNOWN_HEADERS
        if suffix == ".eml" and known:
            return 0.95
        if "from" in known and len(known) >= 2:
            return 0.8
        # Claim the name so the person hears why it cannot be read.
        return 0.35 if suffix in (".eml", ".mbox") else 0.0

    # -- reading -------------------------------------------------------------------------

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Conversation]:
        source = str(path)
        limiter = IssueLimiter(ctx, source)
        if path.is_dir():
            files = _mail_files(path)
            if not files:
                raise InputError("no .eml or .mbox files in this folder")
            summaries = list(self._index_files(files, limiter))
        else:
            summaries = list(self._index_file(path, limiter))
        if not summaries:
            limiter.close()
            raise InputError("no readable e-mail messages")
        owner = infer_owner(summaries, ctx, source)
        for thread in group_threads(summaries, owner):
            conversation = self._conversation(thread, owner, ctx, limiter, source)
            if conversation is not None:
                yield ctx.count(conversation)
        limiter.close()

    def _index_files(self, files: list[Path], limiter: IssueLimiter) -> Iterator[Summary]:
        order = 0
        for file in files:
            try:
                for summary in self._index_file(file, limiter, start=order):
                    order = summary.order + 1
                    yield summary
            except InputError as e:
                limiter.skip(f"{e}; skipped", path=str(file))

    def _index_file(self, path: Path, limiter: IssueLimiter, start: int = 0) -> Iterator[Summary]:
        with open_text_source(path, "e-mail", skip_bom=False) as (f, head):
            if _is_mbox(head):
                yield from self._index_mbox(path, f, limiter, start)
                return
            if path.suffix.lower() == ".mbox":
                raise InputError("not an mbox (it does not start with a 'From ' line)")
            size = path.stat().st_size
            header, complete = _read_header(f)
            try:
                summary = summarise(RawHead(Locator(path, 0, size), header, complete), start)
            except BrokenHeaders as e:
                raise InputError(str(e)) from None
            if summary is None:
                raise InputError("not an e-mail message (no From, To, Subject or Date header)")
            if size > MAX_MAIL_BYTES:
                raise InputError(f"message of {size:,} bytes is over the "
                                 f"{MAX_MAIL_BYTES:,}-byte limit")
            yield summary

    def _index_mbox(
        self, path: Path, f: BinaryIO, limiter: IssueLimiter, start: int
    ) -> Iterator[Summary]:
        order = start
        file = str(path)
        for head in scan_mbox(path, f):
            loc = head.locator
            if not head.complete:
                limiter.skip(f"{loc.label()} is cut off inside its headers; skipped",
                             loc.line, file)
                continue
            if loc.end - loc.start > MAX_MAIL_BYTES:
                limiter.skip(f"{loc.label()} is over the {MAX_MAIL_BYTES:,}-byte limit; skipped",
                             loc.line, file)
                continue
            try:
                summary = summarise(head, order)
            except BrokenHeaders as e:
                limiter.skip(f"{loc.label()}: {e}; skipped", loc.line, file)
                continue
            if summary is None:
                limiter.skip(f"{loc.label()} has no e-mail headers; skipped", loc.line, file)
                continue
            order += 1
            yield summary

    def _conversation(
        self,
        thread: list[Summary],
        owner: Owner,
        ctx: ReadContext,
        limiter: IssueLimiter,
        source: str,
    ) -> Conversation | None:
        seen_ids: set[str] = set()
        messages: list[tuple[tuple[bool, datetime, int], Message]] = []
        for s in thread:
            if s.message_id and s.message_id in seen_ids:
                continue  # the same message twice (sent and received copies)
            if s.message_id:
                seen_ids.add(s.message_id)
            message = self._message(s, owner, limiter)
            if message is not None:
                key = (s.date is None, s.date or datetime.min.replace(tzinfo=UTC), s.order)
                messages.append((key, message))
        if not messages:
            return None
        messages.sort(key=lambda pair: pair[0])
        other = _counterpart(thread, owner)
        first = thread[0]
        cid = (first.message_id or "").strip("<>") or f"{first.locator.path.name}#{first.order}"
        identities: set[tuple[str, str]] = set()
        counterpart = None
        if other is not None:
            identities.add(("email", normalise_handle("email", other.addr)))
            if other.name:
                identities.add(("name", normalise_handle("name", other.name)))
            counterpart = Counterpart(name=other.name or other.addr, extra={"email": other.addr})
        owner_addr = sorted(owner.addresses)[0] if owner.addresses else None
        return Conversation(
            id=f"email:{cid}",
            messages=[m for _, m in messages],
            owner=owner.name or owner_addr,
            counterpart=counterpart,
            source=source,
            format=self.name,
            identities=identities,
            extra={"subject": first.subject, "owner_address": owner_addr},
        )

    def _message(self, s: Summary, owner: Owner, limiter: IssueLimiter) -> Message | None:
        loc = s.locator
        where, file = loc.label(), str(loc.path)
        try:
            data = _message_bytes(loc)
            msg = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(data))
            body = read_body(msg)
        except OSError as e:
            limiter.skip(f"{where}: cannot read: {e.strerror or e}; skipped", loc.line, file)
            return None
        except Exception as e:  # the email package raises many types on hostile input
            limiter.skip(f"{where}: broken message ({type(e).__name__}); skipped", loc.line, file)
            return None
        if any(type(d).__name__ == "CloseBoundaryNotFoundDefect" for p in msg.walk()
               for d in p.defects):
            limiter.warn(f"{where}: the message body is cut off; read what is there",
                         loc.line, file)
        sender_is_owner = s.sender is not None and s.sender.addr in owner.addresses
        extra: dict[str, object] = {"subject": s.subject}
        if s.message_id:
            extra["message_id"] = s.message_id
        if s.sender:
            extra["from"] = s.sender.addr
        extra["to"] = [a.addr for a in s.recipients]
        if body.quoted:
            extra["quoted"] = clip_text(body.quoted, limiter, f"{where} quoted text", loc.line)
        if body.attachments:
            extra["attachments"] = body.attachments
        if body.html:
            extra["html"] = True
        if body.scripts:
            extra["html_scripts"] = body.scripts
        return Message(
            sender="owner" if sender_is_owner else "counterpart",
            platform=PLATFORM,
            text=clip_text(body.text, limiter, where, loc.line),
            ts=s.date,
            sender_name=(s.sender.name or s.sender.addr) if s.sender else None,
            extra=extra,
        )


def _mail_files(folder: Path, limit: int | None = None) -> list[Path]:
    """.eml and .mbox files under `folder`, in a stable order (the first `limit` found,
    unordered, when sniffing)."""
    found: list[Path] = []
    for file in folder.rglob("*"):
        if file.suffix.lower() in (".eml", ".mbox") and file.is_file():
            found.append(file)
            if limit is not None and len(found) >= limit:
                return found
    return sorted(found)


READER = EmailReader()
