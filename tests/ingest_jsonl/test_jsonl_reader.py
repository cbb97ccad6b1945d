"""The canonical JSON Lines reader: every field kept, every broken line named and skipped."""

from __future__ import annotations

import json
import random
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lurewatch.ingest.base import MAX_LINE_BYTES, InputError, ReadContext
from lurewatch.ingest.jsonl import READER
from lurewatch.ingest.textutil import MAX_LISTED_ISSUES
from lurewatch.model import Conversation

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "jsonl" / "conversations.jsonl"


def read(path: Path) -> tuple[list[Conversation], ReadContext]:
    ctx = ReadContext(str(path))
    return list(READER.read(path, ctx)), ctx


def test_valid_lines_keep_every_field() -> None:
    convs, ctx = read(FIXTURE)
    assert [c.id for c in convs] == ["c-0001", "c-0002", "3", "c-0013"]
    hostile = convs[0]
    assert hostile.format == "jsonl" and hostile.source == str(FIXTURE)
    assert hostile.owner == "Daniel Roy" and hostile.label == "hostile"
    assert hostile.stages == ["approach", "platform_shift", "tasking_for_payment", "payment",
                              "secrecy"]
    cp = hostile.counterpart
    assert cp is not None and cp.name == "Vivian K." and cp.company == "Kestrel Bridge Talent"
    assert (cp.connections, cp.account_age_days, cp.mutual_connections) == (312, 41, 3)
    assert cp.notes == "stock-photo headshot" and cp.extra == {"verified": False}
    assert hostile.extra == {"collected_by": "red-team exercise 7"}
    assert ("linkedin-url", "linkedin.com/in/vivian-k-kbt") in hostile.identities
    assert ("name", "vivian k.") in hostile.identities
    assert [m.platform for m in hostile.messages] == ["linkedin", "linkedin", "wechat"]
    assert hostile.platforms == ["linkedin", "wechat"]
    # "+08:00" is converted to UTC; the unknown message field is kept.
    assert hostile.messages[2].ts == datetime(2023, 3, 4, 1, 15, tzinfo=UTC)
    assert hostile.messages[2].extra == {"msg_id": 88123}

    benign = convs[1]
    assert benign.label == "benign"
    assert benign.messages[0].ts == datetime(2023, 4, 5, 15, 20, tzinfo=UTC)  # no zone = UTC
    assert benign.messages[1].text == "" and benign.messages[1].ts is None

    assert convs[2].counterpart is None and convs[2].label is None and convs[2].stages is None
    # The last line has no newline at the end, and is Chinese.
    assert convs[3].messages[0].text == "我的客户希望您写一份报告，报酬五千美元。"
    assert ctx.conversations == 4 and ctx.messages == 7


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (5, "not valid JSON (Unterminated string"),
        (6, "missing id"),
        (7, "no messages"),
        (8, "messages[0].sender is 'recruiter'"),
        (9, "messages[0].platform 'myspace' is not one of"),
        (10, "messages[0].ts 'last Tuesday' is not an ISO 8601 time"),
        (11, "duplicate id 'c-0001' (first on line 1)"),
        (12, "label 'suspicious' is not 'hostile' or 'benign'"),
        (13, "unknown stage 'bribery'"),
        (14, "counterpart has no name"),
        (15, "not a JSON object"),
    ],
)
def test_each_broken_line_is_named_with_its_reason(line: int, reason: str) -> None:
    _, ctx = read(FIXTURE)
    [issue] = [i for i in ctx.issues if i.line == line]
    assert issue.path == str(FIXTURE)
    assert str(issue).startswith(f"{FIXTURE}:{line}: {reason}")
    assert str(issue).endswith("skipped") and "\n" not in str(issue)


def test_skipped_lines_are_counted() -> None:
    _, ctx = read(FIXTURE)
    assert ctx.skipped == 11 and len(ctx.issues) == 11


def test_a_100_mb_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    good = {"id": "a", "messages": [{"sender": "owner", "platform": "email", "text": "hi"}]}
    with path.open("w") as f:
        f.write(json.dumps(good) + "\n")
        f.write('{"id": "big", "messages": [{"sender": "owner", "platform": "email", "text": "')
        block = "A" * (1 << 20)
        for _ in range(100):
            f.write(block)
        f.write('"}]}\n')
        f.write(json.dumps({**good, "id": "b"}) + "\n")
    size = path.stat().st_size
    assert size > 100_000_000
    tracemalloc.start()
    try:
        ctx = ReadContext(str(path))
        ids = [c.id for c in READER.read(path, ctx)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ids == ["a", "b"]
    [issue] = ctx.issues
    assert issue.line == 2 and "longer than the 1,000,000-byte limit" in issue.message
    assert peak < 4 * MAX_LINE_BYTES < size / 20


def test_messages_out_of_time_order_are_kept_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "order.jsonl"
    msgs = [
        {"sender": "counterpart", "platform": "email", "ts": "2023-03-05T10:00:00Z", "text": "b"},
        {"sender": "owner", "platform": "email", "ts": "2023-03-01T10:00:00Z", "text": "a"},
    ]
    path.write_text(json.dumps({"id": "x", "messages": msgs}) + "\n")
    [conv], ctx = read(path)
    assert [m.text for m in conv.messages] == ["b", "a"]
    assert [str(i) for i in ctx.issues] == [
        f"{path}:1: messages are not in time order; kept as written"]
    assert ctx.skipped == 0


def test_a_flood_of_broken_lines_is_counted_but_listed_only_up_to_a_limit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "flood.jsonl"
    path.write_text("{not json}\n" * 1000)
    convs, ctx = read(path)
    assert convs == [] and ctx.skipped == 1000
    assert len(ctx.issues) == MAX_LISTED_ISSUES + 1
    assert "800 more problems" in ctx.issues[-1].message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n  \n\n", "the file is empty"),
        (random.Random(5).randbytes(5000), "binary data, not JSON Lines"),
    ],
)
def test_unreadable_files_are_one_line_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read(path)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_invalid_utf8_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    good = {"id": "ok", "messages": [{"sender": "owner", "platform": "sms", "text": "x"}]}
    path.write_bytes(b'{"id": "r\xe9sum\xe9"}\n' + json.dumps(good).encode() + b"\n")
    convs, ctx = read(path)
    assert [c.id for c in convs] == ["ok"]
    assert ctx.issues[0].line == 1 and "not UTF-8" in ctx.issues[0].message


def test_sniff(tmp_path: Path) -> None:
    assert READER.sniff(FIXTURE) >= 0.9
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf\n" + FIXTURE.read_bytes())
    assert READER.sniff(bom) >= 0.9
    assert next(c.id for c in READER.read(bom, ReadContext(str(bom)))) == "c-0001"
    other = tmp_path / "other.jsonl"
    other.write_text('{"id": 1, "subject": "x", "body": "y"}\n')
    assert READER.sniff(other) == 0.0
    seconvo = Path(__file__).resolve().parents[1] / "fixtures" / "seconvo" / "small.json"
    assert READER.sniff(seconvo) == 0.0
