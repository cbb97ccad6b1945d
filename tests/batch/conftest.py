from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lurewatch.ingest.base import MAX_LINE_BYTES
from tests.batch.corpus import corpus_lines

# Broken lines put among good ones: (1-based line number in the file, text, what is wrong).
BROKEN = {
    17: ('{"id": "x-1", "messages": [', "not valid JSON"),
    90: ('{"owner": "Daniel Roy", "messages": [{"sender": "owner", "platform": "linkedin", '
         '"text": "hi"}]}', "missing id"),
    151: ('{"id": "x-2", "messages": [{"sender": "bot", "platform": "linkedin", "text": "hi"}]}',
          "not 'owner' or 'counterpart'"),
    230: ("x" * (MAX_LINE_BYTES + 10), "longer than the"),
}


def build_lines(n: int = 300, with_broken: bool = True) -> list[str]:
    lines = corpus_lines(n)
    if with_broken:
        for number in sorted(BROKEN):
            lines.insert(number - 1, BROKEN[number][0])
    return lines


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 good conversations and four broken lines, one of them over the line bound."""
    path = tmp_path_factory.mktemp("batch") / "conversations.jsonl"
    path.write_text("".join(line + "\n" for line in build_lines()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def scheduler() -> Iterator[str]:
    """An in-process cluster (threads, inproc transport: no socket at all), reached by its
    address as a remote one would be."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def read_parts(out: Path) -> dict[str, dict]:
    entries: dict[str, dict] = {}
    for part in sorted(out.glob("part-*.jsonl")):
        for line in part.read_text("utf-8").splitlines():
            entry = json.loads(line)
            assert entry["id"] not in entries, f"{entry['id']} written twice"
            entries[entry["id"]] = entry
    return entries


def load_summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text("utf-8"))
