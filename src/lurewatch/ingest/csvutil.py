"""Rows from the CSV files inside exports, tolerant of what real exports and damage do.

Handles: preamble lines before the header (LinkedIn's Connections.csv starts with "Notes:"),
headers in any letter case, a stray byte-order mark, quoted fields with embedded newlines,
tab-separated files (Excel's "Unicode text"), rows with missing columns, and over-long
lines (skipped with a warning instead of filling memory). Every problem is one warning
naming the file and the line where the record starts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from lurewatch.ingest.base import MAX_LINE_BYTES, ReadContext

HEADER_SEARCH_RECORDS = 50  # preamble longer than this means it is not the expected file
MAX_WARNINGS_PER_FILE = 20  # then only count, so one broken file cannot flood the report
_PEEK_LINES = 20


@dataclass(slots=True)
class Row:
    """One record: values keyed by the casefolded header name; `line` is where it starts."""

    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


class _FileIssues:
    """Warnings for one file, capped so a broken file cannot flood the report."""

    def __init__(self, ctx: ReadContext, label: str) -> None:
        self.ctx = ctx
        self.label = label
        self.count = 0

    def skip(self, message: str, line: int | None = None) -> None:
        self.count += 1
        if self.count <= MAX_WARNINGS_PER_FILE:
            self.ctx.skip(message, line=line, path=self.label)
        else:
            self.ctx.skipped += 1

    def finish(self) -> None:
        if self.count > MAX_WARNINGS_PER_FILE:
            hidden = self.count - MAX_WARNINGS_PER_FILE
            self.ctx.warn(f"{hidden} more problems in this file not listed", path=self.label)


class _Lines:
    """Physical lines of a text stream, numbered, with over-long lines dropped."""

    def __init__(self, stream: TextIO, issues: _FileIssues, max_chars: int) -> None:
        self._stream = stream
        self._issues = issues
        self._max = max_chars
        self._peeked: list[tuple[int, str]] = []
        self._read = 0  # physical lines taken from the stream, dropped ones included

    @property
    def next_number(self) -> int:
        """The physical line number of the next line handed out."""
        return self._peeked[0][0] if self._peeked else self._read + 1

    def peek(self, n: int) -> list[str]:
        while len(self._peeked) < n:
            item = self._next_line()
            if item is None:
                break
            self._peeked.append(item)
        return [text for _, text in self._peeked]

    def _next_line(self) -> tuple[int, str] | None:
        while True:
            line = self._stream.readline(self._max + 1)
            if not line:
                return None
            self._read += 1
            if len(line) <= self._max or line.endswith(("\n", "\r")):
                return self._read, line
            self._skip_rest()

    def _skip_rest(self) -> None:
        """Drain the rest of an over-long physical line without keeping it."""
        while True:
            rest = self._stream.readline(self._max)
            if not rest or rest.endswith(("\n", "\r")):
                break
        self._issues.skip(f"line longer than {self._max} characters; skipped", self._read)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if not self._peeked:  # the common case, kept cheap
            line = self._stream.readline(self._max + 1)
            if line and (len(line) <= self._max or line.endswith(("\n", "\r"))):
                self._read += 1
                return line
            if line:
                self._read += 1
                self._skip_rest()
        item = self._peeked.pop(0) if self._peeked else self._next_line()
        if item is None:
            raise StopIteration
        return item[1]


def _delimiter(lines: list[str], marker: str) -> str:
    for line in lines:
        if marker in line.casefold():
            return "\t" if line.count("\t") > line.count(",") else ","
    return ","


def _header_key(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().casefold()


def read_rows(
    stream: TextIO,
    label: str,
    ctx: ReadContext,
    required: Sequence[str],
    *,
    max_line_chars: int = MAX_LINE_BYTES,
) -> Iterator[Row]:
    """Rows of a CSV export file after its header row.

    The header is the first record (within the first `HEADER_SEARCH_RECORDS`) that holds
    every `required` column, compared case-insensitively. A row too short to reach a
    required column is skipped with a warning; missing optional columns read as "".
    Sets the process-wide `csv.field_size_limit` to `max_line_chars`.
    """
    issues = _FileIssues(ctx, label)
    lines = _Lines(stream, issues, max_line_chars)
    want = [c.casefold() for c in required]
    head = lines.peek(_PEEK_LINES)
    if not head:
        if issues.count == 0:
            ctx.warn("empty file", path=label)
        issues.finish()
        return
    csv.field_size_limit(max_line_chars)
    reader = csv.reader(lines, delimiter=_delimiter(head, want[0]), strict=False)
    header: list[str] | None = None
    records = 0
    while True:
        start = lines.next_number
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            issues.skip(f"unreadable CSV record: {e}; skipped", start)
            continue
        if header is None:
            records += 1
            keys = [_header_key(c) for c in record]
            if all(w in keys for w in want):
                # A repeated name keeps its first column; later copies get a suffix.
                header = [k if k not in keys[:i] else f"{k}#{i}" for i, k in enumerate(keys)]
            elif records >= HEADER_SEARCH_RECORDS:
                break
            continue
        if not any(cell.strip() for cell in record):
            continue
        row = _to_row(record, header, want, start, issues)
        if row is not None:
            yield row
    if header is None:
        columns = ", ".join(required)
        issues.skip(f"no header row with the columns {columns} found; file skipped")
    issues.finish()


def _to_row(
    record: list[str], header: list[str], required: list[str], line: int, issues: _FileIssues
) -> Row | None:
    if len(record) < len(header):
        missing = header[len(record):]
        if any(c in required for c in missing):
            issues.skip(
                f"row has {len(record)} of {len(header)} columns (no {missing[0]!r}); skipped",
                line,
            )
            return None
    return Row(line, dict(zip(header, record, strict=False)))  # extra cells are ignored
