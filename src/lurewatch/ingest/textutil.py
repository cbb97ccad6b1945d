"""Small helpers the text-based readers share: decoding, bounded line reading, limits.

Every reader here faces the same hostile inputs: unknown encodings, binary garbage,
a single gigantic line, a flood of broken lines. These helpers keep each of them to one
warning and bounded memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lurewatch.extract.identity import normalise_name
from lurewatch.ingest.base import MAX_LINE_BYTES, MAX_MESSAGE_CHARS, InputError, ReadContext

# Read this much of a file to decide what it is.
SNIFF_BYTES = 8192
# After this many listed problems in one input, further ones are only counted, so a
# garbage file cannot fill memory with warnings.
MAX_LISTED_ISSUES = 200
# The tail of an over-long line is discarded in pieces of this size.
_DISCARD_CHUNK = 1 << 20

# Labels that mail and files use for encodings they do not quite follow: decode with the
# superset the sender's software really used (gb2312 mail often holds GBK characters,
# "latin-1" text often holds Windows-1252 quotes).
_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
}


def charset_for(label: str | None) -> str:
    """The codec to decode text that claims the charset `label`."""
    if not label:
        return "utf-8"
    label = label.strip().strip("\"'").lower()
    return _CHARSET_SUPERSETS.get(label, label)


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text from bytes: the declared charset if it fits, else UTF-8, else GB18030 when the
    result is Chinese, else Windows-1252 (which never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    candidates = [charset_for(declared)] if declared else []
    candidates.append("utf-8")
    for codec in candidates:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        text = data.decode("gb18030")
        if _CJK.search(text):
            return text
    except UnicodeDecodeError:
        pass
    return data.decode("cp1252", errors="replace")


_CJK = re.compile(r"[\u3400-\u9fff]")


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: NUL bytes (outside UTF-16) or many control bytes."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(head) * 0.05


UTF8_BOM = b"\xef\xbb\xbf"


def sniff_head(path: Path) -> bytes | None:
    """The first bytes of a text file (without a UTF-8 byte-order mark) for a reader's sniff,
    or None when `path` is not a file or holds binary data."""
    if not path.is_file():
        return None
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    return None if looks_binary(head) else head.removeprefix(UTF8_BOM)


def first_json_line(path: Path) -> tuple[bytes, object] | None:
    """For sniffing JSON Lines: (first non-empty line as bytes, its parsed value or None when
    it does not parse, e.g. because it is longer than the sniffed head). None when the file
    is not text or its first line does not start a JSON object."""
    head = sniff_head(path)
    if head is None:
        return None
    first = next((ln for ln in head.splitlines() if ln.strip()), b"").strip()
    if not first.startswith(b"{"):
        return None
    try:
        return first, json.loads(first)
    except ValueError:
        return first, None


@contextmanager
def open_text_source(path: Path, kind: str, skip_bom: bool = True
                     ) -> Iterator[tuple[BinaryIO, bytes]]:
    """Open a text input for reading: (file positioned at the start of the text, its head).
    An unopenable, empty or binary file raises InputError naming what was expected."""
    try:
        f = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot open: {e.strerror or e}") from None
    with f:
        head = f.read(SNIFF_BYTES)
        if not head.strip():
            raise InputError("the file is empty")
        if looks_binary(head):
            raise InputError(f"binary data, not {kind}")
        f.seek(3 if skip_bom and head.startswith(UTF8_BOM) else 0)
        yield f, head


@dataclass(slots=True)
class Line:
    number: int  # 1-based
    data: bytes | None  # None when the line was longer than the bound and was discarded
    length: int  # bytes in the line, including any discarded part (without the newline)


def bounded_lines(stream: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Lines of a binary stream, never holding more than `limit` bytes of one line.

    A longer line is yielded with `data=None` after its remainder has been read and
    dropped in chunks, so a 100 MB line costs about `limit` bytes of memory.
    """
    number = 0
    while True:
        chunk = stream.readline(limit + 1)
        if not chunk:
            return
        number += 1
        if chunk.endswith(b"\n") and len(chunk) <= limit + 1:
            data = chunk.rstrip(b"\r\n")
            yield Line(number, data, len(data))
            continue
        if len(chunk) <= limit:  # last line, no newline at the end of the file
            data = chunk.rstrip(b"\r")
            yield Line(number, data, len(data))
            return
        length = len(chunk)
        del chunk
        while True:
            rest = stream.readline(_DISCARD_CHUNK)
            if not rest:
                break
            if rest.endswith(b"\n"):
                length += len(rest) - 1
                break
            length += len(rest)
        yield Line(number, None, length)



def json_lines(stream: BinaryIO, limiter: IssueLimiter) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) of each non-blank line of a JSON Lines stream. Over-long,
    non-UTF-8 and invalid lines are skipped through `limiter` with their line number, the
    same words for every reader."""
    for line in bounded_lines(stream, MAX_LINE_BYTES):
        if line.data is None:
            limiter.skip(f"line of {line.length:,} bytes is longer than the "
                         f"{MAX_LINE_BYTES:,}-byte limit; skipped", line.number)
            continue
        if not line.data.strip():
            continue
        try:
            record = json.loads(line.data.decode("utf-8"))
        except UnicodeDecodeError as e:
            limiter.skip(f"not UTF-8 (byte {e.start + 1}); skipped", line.number)
            continue
        except json.JSONDecodeError as e:
            limiter.skip(f"not valid JSON ({e.msg}, column {e.colno}); skipped", line.number)
            continue
        yield line.number, record

class IssueLimiter:
    """Reports problems through a ReadContext, listing at most MAX_LISTED_ISSUES of them."""

    def __init__(self, ctx: ReadContext, path: str | None = None) -> None:
        self.ctx = ctx
        self.path = path
        self.listed = 0
        self.unlisted = 0

    def skip(self, message: str, line: int | None = None, path: str | None = None) -> None:
        if self.listed < MAX_LISTED_ISSUES:
            self.listed += 1
            self.ctx.skip(message, line, path or self.path)
        else:
            self.unlisted += 1
            self.ctx.skipped += 1

    def warn(self, message: str, line: int | None = None, path: str | None = None) -> None:
        if self.listed < MAX_LISTED_ISSUES:
            self.listed += 1
            self.ctx.warn(message, line, path or self.path)
        else:
            self.unlisted += 1

    def close(self) -> None:
        """Say how many problems were counted but not listed."""
        if self.unlisted:
            self.ctx.warn(
                f"{self.unlisted} more problems in this input were counted but not listed",
                None,
                self.path,
            )
            self.unlisted = 0


def clip_text(text: str, warn: IssueLimiter | None, where: str, line: int | None = None) -> str:
    """`text` cut to MAX_MESSAGE_CHARS, with a warning when it had to be cut."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    if warn is not None:
        warn.warn(
            f"{where}: text of {len(text):,} characters cut to {MAX_MESSAGE_CHARS:,}", line
        )
    return text[:MAX_MESSAGE_CHARS]


# UTF-8 text that was once decoded as Windows-1252 ("itâ€™s" for "it's"): a lead byte
# 0xC2-0xF4 followed by continuation bytes shown as their cp1252 characters.
_CP1252_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{_CP1252_CONTINUATION}]{{1,3}}")


def _as_cp1252_byte(char: str) -> int | None:
    if ord(char) < 256:
        return ord(char)
    try:
        encoded = char.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return encoded[0]


def _repair_one(match: re.Match[str]) -> str:
    raw = [_as_cp1252_byte(c) for c in match.group(0)]
    if any(b is None for b in raw):
        return match.group(0)
    try:
        fixed = bytes(b for b in raw if b is not None).decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)
    return fixed if len(fixed) == 1 else match.group(0)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-Windows-1252 damage ("â€™" -> "’"), one character at a time,
    leaving anything that does not decode to exactly one character alone."""
    return _MOJIBAKE.sub(_repair_one, text)


def names_match(name: str, other: str) -> bool:
    """True when two display names are the same person's: equal once normalised, or one's
    words all appear in the other's ("Daniel" and "Daniel Roy")."""
    a, b = normalise_name(name), normalise_name(other)
    if a == b:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    return bool(words_a) and bool(words_b) and (words_a <= words_b or words_b <= words_a)
