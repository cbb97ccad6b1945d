"""What runs on a worker: score one work item into its own part file.

Each worker process builds one Scanner (rule packs, learned heads, weights: about a second)
the first time it gets an item, and reuses it for every item after.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path
from typing import Any

import numpy as np

from lurewatch.batch.partition import WorkItem
from lurewatch.batch.parts import atomic_writer, entries_path, meta_path, write_json_atomic
from lurewatch.batch.shard import ShardReader
from lurewatch.ingest.base import InputIssue, ReadContext
from lurewatch.ingest.inputs import InputUnit, read_unit
from lurewatch.ingest.registry import get_reader
from lurewatch.model import LEVELS, Conversation
from lurewatch.pipeline import Scanner, ScanOptions
from lurewatch.report.json_report import conversation_entry

_scanners: dict[tuple, Scanner] = {}
_scanners_lock = threading.Lock()


def worker_scanner(options: ScanOptions) -> Scanner:
    """This process's scanner for `options`, built once (threads of a worker share it)."""
    key = tuple(str(v) for v in astuple(options))
    with _scanners_lock:
        scanner = _scanners.get(key)
        if scanner is None:
            scanner = _scanners[key] = Scanner(options)
        return scanner


def id_digest(conversation_id: str) -> int:
    """64 bits of the id, enough to find repeated ids across shards without shipping them."""
    digest = hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _pack(values: list[int], dtype: str) -> str:
    return base64.b64encode(np.asarray(values, dtype=dtype).tobytes()).decode("ascii")


def _conversations(item: WorkItem, ctx: ReadContext, shard: ShardReader | None
                   ) -> Iterator[tuple[int | None, Conversation]]:
    if shard is not None:
        try:
            yield from shard.read(ctx)
        except OSError as e:
            ctx.issues.append(InputIssue(item.source, f"cannot read: {e.strerror or e}",
                                         severity="error"))
        return
    reader = get_reader(item.format)
    unit = InputUnit(item.display, Path(item.path), reader)
    for conv in read_unit(unit, ctx):
        conv.source = _as_given(conv.source, item) if conv.source else item.display
        conv.format = conv.format or reader.name
        yield None, conv
    for issue in ctx.issues:
        issue.path = _as_given(issue.path, item)


def _as_given(text: str, item: WorkItem) -> str:
    """Readers name what they read by the (absolute) path they were given; reports name
    inputs as the person gave them, as `scan` does."""
    return item.source + text[len(item.path):] if text.startswith(item.path) else text


def run_item(item: WorkItem, out_dir: str, options: ScanOptions, plan: str) -> dict[str, Any]:
    """Scan `item` into `OUT_DIR/part-NNNNN.jsonl`; return (and save beside it) its meta:
    counts by level, the input's issues (line numbers within the shard), and id digests."""
    t0 = time.perf_counter()
    scanner = worker_scanner(options)
    out = Path(out_dir)
    ctx = ReadContext(path=item.source if item.is_shard else item.display, owner=options.owner)
    shard = (ShardReader(Path(item.path), item.start or 0, item.end or 0, item.source)
             if item.is_shard else None)
    levels = dict.fromkeys(LEVELS, 0)
    digests: list[int] = []
    lines: list[int] = []
    with atomic_writer(entries_path(out, item.part_name)) as part:
        # The meta is written inside, so it is on disk before the entries appear.
        for line, conv in _conversations(item, ctx, shard):
            scanned = scanner.scan_conversation(conv)
            entry = conversation_entry(scanned, include_messages=False)
            part.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
            part.write("\n")
            levels[scanned.verdict.level] = levels.get(scanned.verdict.level, 0) + 1
            if line is not None:
                digests.append(id_digest(conv.id))
                lines.append(line)
        meta = {
            "part": item.part_name,
            "plan": plan,
            "item": item.to_json(),
            "lines": shard.lines if shard is not None else None,
            "conversations": ctx.conversations,
            "messages": ctx.messages,
            "skipped": ctx.skipped,
            "levels": levels,
            "issues": [{"path": i.path, "line": i.line, "message": i.message,
                        "severity": i.severity} for i in ctx.issues],
            "id_digests": _pack(digests, "<u8"),
            "id_lines": _pack(lines, "<i8"),
            "model": scanner.model_id,
            "seconds": round(time.perf_counter() - t0, 3),
        }
        write_json_atomic(meta_path(out, item.part_name), meta)
    return meta
