"""Read zip archives and text files from untrusted exports without trusting them.

Every reader that takes a zip (LinkedIn data export, WhatsApp iOS export) opens it through
`SafeZip`: entries are streamed from the archive, never extracted to disk; unsafe names,
encrypted entries and oversized entries are skipped with a one-line warning; decompression
is metered while it streams (bytes out, bytes in), so a zip bomb is stopped by what it
actually produces, not by what its header claims. `decode_text` turns any byte stream
(zip entry or file on disk) into text, detecting UTF-8 (with or without a byte-order mark),
UTF-16, Latin-1 and binary junk.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TextIO

from lurewatch.ingest.base import MAX_FILE_BYTES, InputError, ReadContext

MAX_ENTRIES = 50_000  # a WhatsApp export with media can hold thousands; more is hostile
MAX_ENTRY_BYTES = MAX_FILE_BYTES  # uncompressed, per entry
MAX_TOTAL_BYTES = 4 * MAX_FILE_BYTES  # uncompressed, across everything streamed from one archive
MAX_RATIO = 100  # text deflates 3-10x; bombs reach 1000x and more
RATIO_GRACE_BYTES = 1 << 20  # small entries may compress well; judge the ratio after 1 MiB

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF_BYTES = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")


class EntryError(Exception):
    """One entry of an export (a file in a zip or folder) cannot be read (further).

    The message is the one-line reason; the caller names the entry and goes on with the rest.
    """


def is_zip(path: Path) -> bool:
    """True when `path` is a file that starts like a zip archive (even a damaged one)."""
    try:
        with path.open("rb") as f:
            return f.read(4) in _ZIP_MAGIC
    except OSError:
        return False


def unsafe_name_reason(name: str) -> str | None:
    """Why an entry name is unsafe to use as a path (absolute, `..`, drive), or None."""
    posix = name.replace("\\", "/")
    if "\x00" in posix:
        return "contains a NUL character"
    if posix.startswith("/") or _DRIVE.match(posix):
        return "is an absolute path"
    if ".." in PurePosixPath(posix).parts:
        return "contains '..'"
    return None


class _CountingFile(io.FileIO):
    """The archive file, counting the compressed bytes the zip module reads from it."""

    def __init__(self, path: Path, mode: str = "r") -> None:
        super().__init__(path, mode)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size if size is not None else -1)
        self.bytes_read += len(data) if data else 0
        return data or b""


class SafeZip:
    """A zip archive opened read-only with limits; entries are streamed, never extracted.

    Raises `InputError("not a readable zip archive: ...")` when the archive cannot be opened,
    and `InputError` when it holds more than `max_entries` entries. Unsafe entries are
    dropped from `names()` with a warning through `ctx`.
    """

    def __init__(
        self,
        path: Path,
        ctx: ReadContext | None = None,
        *,
        max_entries: int = MAX_ENTRIES,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
        max_total_bytes: int = MAX_TOTAL_BYTES,
        max_ratio: float = MAX_RATIO,
    ) -> None:
        self.path = Path(path)
        self._ctx = ctx
        self.max_entry_bytes = max_entry_bytes
        self.max_total_bytes = max_total_bytes
        self.max_ratio = max_ratio
        self.streamed_bytes = 0  # uncompressed bytes produced so far, all entries
        try:
            self._file = _CountingFile(self.path, "r")
        except OSError as e:
            raise InputError(f"cannot open: {e.strerror or e}") from None
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
            self._file.close()
            raise InputError(f"not a readable zip archive: {e}") from None
        if len(infos) > max_entries:
            self.close()
            raise InputError(f"zip archive has {len(infos)} entries (limit {max_entries})")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self._admit(info)

    def _admit(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        if info.is_dir():
            return
        reason = unsafe_name_reason(name)
        if reason is None and info.flag_bits & 0x1:
            reason = "is encrypted"
        if reason is None and name in self._infos:
            reason = "appears twice; the first copy is used"
        if reason is not None:
            self._warn(f"skipped zip entry {name!r}: it {reason}")
            return
        self._infos[name] = info

    def _warn(self, message: str) -> None:
        if self._ctx is not None:
            self._ctx.skip(message, path=str(self.path))

    def label(self, name: str) -> str:
        """How an entry is named in messages: `archive.zip:folder/messages.csv`."""
        return f"{self.path}:{name}"

    def names(self) -> list[str]:
        """Names of the safe, readable entries, in archive order."""
        return list(self._infos)

    def size(self, name: str) -> int:
        """The uncompressed size the archive declares for an entry (not trusted for limits)."""
        return self._infos[name].file_size

    def find(self, basename_casefold: str) -> str | None:
        """The shallowest entry whose file name matches case-insensitively, or None."""
        wanted = basename_casefold.casefold()
        matches = [
            n for n in self._infos
            if PurePosixPath(n.replace("\\", "/")).name.casefold() == wanted
            and not n.startswith("__MACOSX/")
        ]
        return min(matches, key=lambda n: (n.count("/"), n)) if matches else None

    def open_binary(self, name: str) -> BinaryIO:
        """A metered binary stream over one entry. Reading raises `EntryError` when the
        entry is damaged or breaks a size or ratio limit."""
        info = self._infos.get(name)
        if info is None:
            raise EntryError("no such entry in the archive")
        if info.file_size > self.max_entry_bytes:
            raise EntryError(
                f"declares {info.file_size} bytes uncompressed (limit {self.max_entry_bytes})"
            )
        try:
            handle = self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as e:
            raise EntryError(f"cannot open entry: {e}") from None
        raw = _MeteredEntry(handle, self, self._file.bytes_read)
        return io.BufferedReader(raw, buffer_size=_SNIFF_BYTES)

    def open_text(self, name: str, ctx: ReadContext | None = None) -> TextIO:
        """One entry as text (encoding detected, see `decode_text`)."""
        return decode_text(self.open_binary(name), self.label(name), ctx or self._ctx)

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _MeteredEntry(io.RawIOBase):
    """Counts what decompression produces against what it consumed, as it streams."""

    def __init__(self, handle: BinaryIO, archive: SafeZip, compressed_start: int) -> None:
        self._handle = handle
        self._archive = archive
        self._compressed_start = compressed_start
        self._produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._handle.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
            raise EntryError(f"damaged zip entry: {e}") from None
        n = len(data)
        buffer[:n] = data
        self._produced += n
        self._archive.streamed_bytes += n
        self._check()
        return n

    def _check(self) -> None:
        archive = self._archive
        if self._produced > archive.max_entry_bytes:
            raise EntryError(f"entry inflates past {archive.max_entry_bytes} bytes")
        if archive.streamed_bytes > archive.max_total_bytes:
            raise EntryError(f"archive inflates past {archive.max_total_bytes} bytes in total")
        if self._produced > RATIO_GRACE_BYTES:
            consumed = max(1, archive._file.bytes_read - self._compressed_start)
            if self._produced / consumed > archive.max_ratio:
                raise EntryError(
                    f"looks like a zip bomb: compression ratio over {archive.max_ratio:g}:1"
                )

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


class _HeadThenRest(io.RawIOBase):
    """Replays bytes already read for sniffing, then continues with the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._rest.close()
        super().close()


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    return len(_CONTROL.findall(text)) > max(2, len(text) // 100)


def detect_encoding(head: bytes) -> tuple[str, str | None]:
    """(codec, note) for the first bytes of a text file. The note says why the guess is
    not plain UTF-8, for a warning. Raises `EntryError` for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    else:
        encoding = "utf-8"
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        if utf16 is None:
            raise EntryError("binary data, not text")
        return utf16, f"read as {utf16.upper()} (no byte-order mark)"
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        text = decoder.decode(head, final=len(head) < _SNIFF_BYTES)
    except UnicodeDecodeError:
        text = head.decode("cp1252", errors="replace")
        if _looks_binary(text):
            raise EntryError("binary data, not text") from None
        return "cp1252", "not valid UTF-8; read as Windows-1252 (Latin-1)"
    if _looks_binary(text):
        raise EntryError("binary data, not text")
    return encoding, None


def decode_text(
    raw: BinaryIO,
    label: str,
    ctx: ReadContext | None,
) -> TextIO:
    """Text from a byte stream with the encoding detected from its first 64 KiB.

    Newlines are left untranslated (`newline=""`), as the csv module needs. Undecodable
    bytes later in the stream become U+FFFD rather than an error. Raises `EntryError`
    (and closes `raw`) when the data is binary.
    """
    try:
        head = raw.read(_SNIFF_BYTES)
        encoding, note = detect_encoding(head)
    except BaseException:
        raw.close()
        raise
    if note is not None and ctx is not None:
        ctx.warn(note, path=label)
    stream = io.BufferedReader(_HeadThenRest(head, raw), buffer_size=_SNIFF_BYTES)
    return io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")


def open_text_file(path: Path, ctx: ReadContext | None) -> TextIO:
    """A file on disk as text, with the same detection as zip entries (read-only)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EntryError(f"file is larger than {MAX_FILE_BYTES} bytes")
        raw = path.open("rb")
    except OSError as e:
        raise EntryError(f"cannot open: {e.strerror or e}") from None
    return decode_text(raw, str(path), ctx)
