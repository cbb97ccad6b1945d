"""`run_batch` on a cluster reached by its address: same results as scanning one by one,
issues named once, a failed part isolated, `--resume` keeping finished parts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lurewatch.batch import BatchError, run_batch
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.jsonl import READER
from lurewatch.pipeline import Scanner
from lurewatch.report.json_report import conversation_entry
from tests.batch.conftest import BROKEN, load_summary, read_parts


@pytest.fixture(scope="module")
def one_by_one(corpus: Path) -> dict[str, dict]:
    """The reference: every conversation of the file scanned on its own with Scanner."""
    scanner = Scanner()
    ctx = ReadContext(path=str(corpus))
    entries = {}
    for conv in READER.read(corpus, ctx):
        entry = conversation_entry(scanner.scan_conversation(conv), include_messages=False)
        entries[conv.id] = json.loads(json.dumps(entry))
    return entries


def test_batch_equals_one_by_one(corpus: Path, scheduler: str, one_by_one: dict,
                                 tmp_path: Path) -> None:
    summary = run_batch([str(corpus)], tmp_path, scheduler=scheduler, shard_bytes=20_000)
    assert summary.parts > 10 and not summary.failures
    entries = read_parts(tmp_path)
    assert entries == one_by_one  # same ids, risks, levels, stages, indicators, everything
    levels = {lv: sum(e["level"] == lv for e in one_by_one.values())
              for lv in ("low", "medium", "high")}
    assert levels["high"] > 100 and levels["low"] > 100
    report = load_summary(tmp_path)
    assert report["levels"] == levels == summary.levels
    assert report["counts"]["conversations"] == 300 == summary.conversations
    assert report["counts"]["skipped"] == len(BROKEN)
    assert report["tool"]["model"].startswith("rules:")
    assert report["parts"] == [f"part-{i:05d}.jsonl" for i in range(summary.parts)]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("shard_bytes", [3_001, 20_000, 10_000_000])
def test_each_broken_line_is_reported_once_with_file_and_line(
        corpus: Path, scheduler: str, tmp_path: Path, shard_bytes: int) -> None:
    run_batch([str(corpus)], tmp_path, scheduler=scheduler, shard_bytes=shard_bytes)
    warnings = load_summary(tmp_path)["inputs"][0]["warnings"]
    assert len(warnings) == len(BROKEN)
    for number, (_, reason) in BROKEN.items():
        hits = [w for w in warnings if w.startswith(f"{corpus}:{number}: ")]
        assert len(hits) == 1 and reason in hits[0], (number, warnings)


def test_repeated_id_across_shards_is_named_with_both_lines(
        scheduler: str, tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"d-{i}", "messages": [
        {"sender": "counterpart", "platform": "linkedin", "text": f"hello {i}"}]})
        for i in range(40)]
    lines[35] = lines[3]  # the id of line 4 again on line 36, in another shard
    path = tmp_path / "dups.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = run_batch([str(path)], tmp_path / "out", scheduler=scheduler, shard_bytes=500)
    assert summary.parts > 3
    assert summary.inputs[0]["warnings"] == [
        f"{path}:36: duplicate id (first on line 4); scored both, since batch reads each "
        "line on its own"]


def test_a_failed_part_is_named_and_the_others_kept(corpus: Path, scheduler: str,
                                                    tmp_path: Path) -> None:
    (tmp_path / "part-00002.jsonl").mkdir()  # the worker cannot rename its part into place
    summary = run_batch([str(corpus)], tmp_path, scheduler=scheduler, shard_bytes=40_000)
    assert [f["part"] for f in summary.failures] == ["part-00002"]
    error = summary.failures[0]["error"]
    assert "\n" not in error and error.startswith(f"part-00002 ({corpus}, bytes ")
    assert "IsADirectoryError" in error
    assert summary.inputs[0]["errors"] == [error]
    done = sorted(p.name for p in tmp_path.glob("part-*.jsonl") if p.is_file())
    assert len(done) == summary.parts - 1 and "part-00002.jsonl" not in done
    assert 0 < summary.conversations < 300
    # lines after the failed shard cannot be numbered from the file's start: say so
    later = [w for w in summary.inputs[0]["warnings"] if "of the shard)" in w]
    early = [w for w in summary.inputs[0]["warnings"] if w.startswith(f"{corpus}:17: ")]
    assert later and early


def test_resume_recomputes_only_missing_parts(corpus: Path, scheduler: str,
                                              one_by_one: dict, tmp_path: Path) -> None:
    first = run_batch([str(corpus)], tmp_path, scheduler=scheduler, shard_bytes=40_000)
    assert first.parts_resumed == 0 and not first.failures
    (tmp_path / "part-00001.jsonl").unlink()
    kept = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("part-*.jsonl")}
    with pytest.raises(BatchError, match="already holds a batch run"):
        run_batch([str(corpus)], tmp_path, scheduler=scheduler)
    second = run_batch([str(corpus)], tmp_path, scheduler=scheduler, resume=True)
    assert second.parts == first.parts and second.parts_resumed == first.parts - 1
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("part-*.jsonl")
            if p.name != "part-00001.jsonl"} == kept
    assert read_parts(tmp_path) == one_by_one
    assert second.levels == first.levels and second.inputs == first.inputs


def test_resume_refuses_changed_inputs(corpus: Path, scheduler: str, tmp_path: Path) -> None:
    data = tmp_path / "c.jsonl"
    data.write_bytes(b"".join(corpus.read_bytes().splitlines(keepends=True)[:12]))
    run_batch([str(data)], tmp_path / "out", scheduler=scheduler)
    with data.open("ab") as f:
        f.write(b"\n")
    os.utime(data, ns=(1, 1))
    with pytest.raises(BatchError, match="differ from the run saved"):
        run_batch([str(data)], tmp_path / "out", scheduler=scheduler, resume=True)


def test_other_formats_are_one_item_each(scheduler: str, tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Kevin Zhang.txt"
    chat.write_text(
        "12/03/23, 9:41 PM - Kevin Zhang: Hi Daniel, my clients need a short report on the "
        "grid project, USD 2,000. Please keep this between us, no need to tell your employer.\n"
        "12/03/23, 9:45 PM - Daniel Roy: What would you need?\n"
        "12/03/23, 9:47 PM - Kevin Zhang: The internal discussions that are not public yet.\n",
        encoding="utf-8")
    missing = tmp_path / "nope.jsonl"
    summary = run_batch([str(chat), str(missing)], tmp_path / "out", scheduler=scheduler,
                        options=None)
    assert summary.parts == 1 and summary.conversations == 1
    [entry] = read_parts(tmp_path / "out").values()
    assert entry["format"] == "whatsapp" and entry["source"] == str(chat)
    expected = Scanner().scan_paths([str(chat)])
    assert entry["level"] == next(expected).verdict.level
    assert summary.inputs[1]["errors"] == [f"{missing}: no such file or folder"]
    assert summary.failed_inputs == [summary.inputs[1]]
