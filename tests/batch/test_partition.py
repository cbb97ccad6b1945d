"""Shard boundaries: every line read exactly once, at its true line number, for any size."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest

from lurewatch.batch.partition import next_line_start, shard_bounds
from lurewatch.batch.shard import ShardReader
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.jsonl import READER
from tests.batch.conftest import BROKEN


def read_whole(path: Path) -> tuple[list[str], list[tuple[int | None, str]]]:
    ctx = ReadContext(path=str(path))
    ids = [c.id for c in READER.read(path, ctx)]
    return ids, [(i.line, i.message) for i in ctx.issues]


def read_sharded(path: Path, shard_bytes: int
                 ) -> tuple[list[tuple[int, str]], list[tuple[int | None, str]], int]:
    """(absolute line, id) of every conversation and every issue, reading shard by shard."""
    found, issues, base = [], [], 0
    bounds = shard_bounds(path, shard_bytes)
    for start, end in bounds:
        ctx = ReadContext(path=str(path))
        reader = ShardReader(path, start, end, str(path))
        found.extend((base + line, conv.id) for line, conv in reader.read(ctx))
        issues.extend((None if i.line is None else base + i.line, i.message) for i in ctx.issues)
        base += reader.lines
    return found, issues, len(bounds)


def test_bounds_cover_the_file_and_start_at_line_starts(corpus: Path) -> None:
    data = corpus.read_bytes()
    rng = random.Random(3)
    for _ in range(200):
        bounds = shard_bounds(corpus, rng.randint(1, len(data)))
        assert bounds[0][0] == 0 and bounds[-1][1] == len(data)
        for (_, end), (start, _) in pairwise(bounds):
            assert end == start
            assert data[start - 1:start] == b"\n"


def test_any_shard_size_reads_every_line_once_at_its_line(corpus: Path) -> None:
    whole_ids, whole_issues = read_whole(corpus)
    size = corpus.stat().st_size
    rng = random.Random(11)
    # log-uniform sizes: single-byte shards, shards inside the 1 MB line, a few big ones
    sizes = {1, 2, size - 1, size, size * 2} | {int(10 ** rng.uniform(0, 6.2))
                                               for _ in range(40)}
    shard_counts = set()
    for shard_bytes in sorted(sizes):
        found, issues, shards = read_sharded(corpus, shard_bytes)
        shard_counts.add(shards)
        assert [cid for _, cid in found] == whole_ids, shard_bytes
        assert issues == whole_issues, shard_bytes
        lines = [line for line, _ in found]
        assert len(set(lines)) == len(lines)
    assert max(shard_counts) > 300 and min(shard_counts) == 1
    assert sorted(line for line, _ in whole_issues) == sorted(BROKEN)


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_bom_crlf_and_no_final_newline(tmp_path: Path, ending: bytes) -> None:
    good = b'{"id": "a%d", "messages": [{"sender": "owner", "platform": "sms", "text": "ok"}]}'
    body = ending.join(good % i for i in range(50))  # no newline after the last line
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + body)
    whole_ids, whole_issues = read_whole(path)
    assert len(whole_ids) == 50 and whole_issues == []
    for shard_bytes in (1, 7, 80, 81, 500, len(body)):
        found, issues, _ = read_sharded(path, shard_bytes)
        assert [cid for _, cid in found] == whole_ids
        assert [line for line, _ in found] == list(range(1, 51))
        assert issues == []


def test_next_line_start(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"ab\ncd\n\nef")
    with path.open("rb") as f:
        assert [next_line_start(f, o) for o in range(10)] == [0, 3, 3, 3, 6, 6, 6, 7, 9, 9]
