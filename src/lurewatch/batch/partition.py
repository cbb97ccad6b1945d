"""Inputs -> work items. A large canonical JSON Lines file becomes byte ranges that start
at line starts, so each worker opens the file and reads its own range: no conversation
travels through the scheduler. Any other input (an export folder, a zip, a chat file) is
one item, read whole by its reader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lurewatch.ingest.inputs import InputUnit
from lurewatch.ingest.textutil import SNIFF_BYTES, looks_binary

DEFAULT_SHARD_BYTES = 32 << 20
MIN_SHARD_BYTES = 1 << 20
# Aim for a few items per worker, so a slow shard does not leave the others idle.
ITEMS_PER_WORKER = 4
_SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class WorkItem:
    """One task: a byte range of a JSON Lines file (`start`/`end` set) or a whole input."""

    index: int
    input_no: int  # position of its input among the inputs given
    display: str  # the input as shown in reports
    source: str  # what conversations carry as `source` (what `scan` writes)
    path: str  # absolute, so workers elsewhere open the same file on shared storage
    format: str
    start: int | None = None
    end: int | None = None

    @property
    def part_name(self) -> str:
        return f"part-{self.index:05d}"

    @property
    def is_shard(self) -> bool:
        return self.start is not None

    def describe(self) -> str:
        if self.is_shard:
            return f"{self.part_name} ({self.display}, bytes {self.start}-{self.end})"
        return f"{self.part_name} ({self.display})"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def choose_shard_bytes(total_bytes: int, workers: int) -> int:
    """Shards small enough to spread over the workers, big enough to keep overhead low."""
    share = total_bytes // max(1, workers * ITEMS_PER_WORKER)
    return max(MIN_SHARD_BYTES, min(DEFAULT_SHARD_BYTES, share))


def next_line_start(f: BinaryIO, offset: int) -> int:
    """The first line start at or after `offset` (the file size when there is none)."""
    if offset <= 0:
        return 0
    f.seek(offset - 1)
    while True:  # bounded reads: one enormous line must not be held in memory
        chunk = f.readline(_SCAN_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return f.tell()


def shard_bounds(path: Path, shard_bytes: int) -> list[tuple[int, int]]:
    """[start, end) byte ranges covering the file, each starting at a line start."""
    size = path.stat().st_size
    starts = [0]
    with path.open("rb") as f:
        target = shard_bytes
        while target < size:
            start = next_line_start(f, target)
            if start >= size:
                break
            if start > starts[-1]:
                starts.append(start)
            target = max(start, target) + shard_bytes
    ends = [*starts[1:], size]
    return list(zip(starts, ends, strict=True))


def _shardable(unit: InputUnit) -> bool:
    """A plain JSON Lines file that the shard reader can read; an empty or binary one goes
    whole to the reader, which says what is wrong with it."""
    if unit.reader is None or unit.reader.name != "jsonl" or unit.path is None:
        return False
    if not unit.path.is_file():
        return False
    with unit.path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    return bool(head.strip()) and not looks_binary(head)


def plan_items(units: list[InputUnit], shard_bytes: int) -> list[WorkItem]:
    """Work items for every readable unit, in input order."""
    items: list[WorkItem] = []
    for input_no, unit in enumerate(units):
        if unit.reader is None or unit.path is None:
            continue  # nothing to read: its issues are reported without a task
        common = {"input_no": input_no, "display": unit.display, "source": str(unit.path),
                  "path": str(unit.path.resolve()), "format": unit.reader.name}
        if _shardable(unit):
            for start, end in shard_bounds(unit.path, shard_bytes):
                items.append(WorkItem(index=len(items), start=start, end=end, **common))
        else:
            items.append(WorkItem(index=len(items), **common))
    return items


def input_fingerprint(units: list[InputUnit]) -> list[dict[str, Any]]:
    """What identifies the inputs of a run, so `--resume` can tell they have not changed."""
    prints = []
    for unit in units:
        entry: dict[str, Any] = {"display": unit.display,
                                 "format": unit.reader.name if unit.reader else None}
        if unit.path is not None and unit.path.exists():
            stat = unit.path.stat()
            entry.update(size=stat.st_size, mtime_ns=stat.st_mtime_ns)
        prints.append(entry)
    return prints


def plan_id(plan: dict[str, Any]) -> str:
    """A short digest of a plan; part files carry it so a part of another plan is not reused."""
    data = json.dumps(plan, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(data, digest_size=8).hexdigest()
