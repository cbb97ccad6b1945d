"""Reading one byte range of a canonical JSON Lines file, as `ingest/jsonl.py` reads a
whole one, with line numbers counted from the start of the range.

Duplicate ids are not skipped here: a worker sees only its range, so the run checks ids
across all ranges of a file afterwards (see `duplicates.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from lurewatch.ingest.base import MAX_LINE_BYTES, ReadContext
from lurewatch.ingest.jsonl import LineError, _out_of_order, conversation_from_record
from lurewatch.ingest.textutil import IssueLimiter, bounded_lines
from lurewatch.model import Conversation

_BOM = b"\xef\xbb\xbf"


class _Window:
    """A binary file seen only up to `end`: `readline` never crosses into the next shard."""

    def __init__(self, f, remaining: int) -> None:  # type: ignore[no-untyped-def]
        self._f = f
        self._remaining = remaining

    def readline(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        size = self._remaining if size < 0 else min(size, self._remaining)
        chunk = self._f.readline(size)
        self._remaining -= len(chunk)
        return chunk


class ShardReader:
    """Conversations of bytes [start, end) with their line number within the range;
    `lines` holds how many lines the range had once read."""

    def __init__(self, path: Path, start: int, end: int, source: str) -> None:
        self.path, self.start, self.end, self.source = path, start, end, source
        self.lines = 0

    def read(self, ctx: ReadContext) -> Iterator[tuple[int, Conversation]]:
        with self.path.open("rb") as f:
            f.seek(self.start)
            if self.start == 0 and f.read(3) != _BOM:
                f.seek(0)
            yield from self._read_lines(_Window(f, self.end - f.tell()), ctx)

    def _read_lines(self, stream: _Window, ctx: ReadContext
                    ) -> Iterator[tuple[int, Conversation]]:
        limiter = IssueLimiter(ctx, self.source)
        for line in bounded_lines(stream, MAX_LINE_BYTES):  # type: ignore[arg-type]
            self.lines = line.number
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
            try:
                conversation = conversation_from_record(record, self.source, limiter, line.number)
            except LineError as e:
                limiter.skip(f"{e}; skipped", line.number)
                continue
            if _out_of_order(conversation.messages):
                limiter.warn("messages are not in time order; kept as written", line.number)
            yield line.number, ctx.count(conversation)
        limiter.close()
