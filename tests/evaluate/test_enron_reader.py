"""The Enron (AESLC) reader: each e-mail one benign one-message conversation."""

from __future__ import annotations

from pathlib import Path

from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.enron import READER
from lurewatch.ingest.registry import detect_reader

FIXTURE = Path(__file__).parents[1] / "fixtures" / "evaluate" / "enron_sample.jsonl"


def test_reads_emails_as_benign_conversations_and_skips_bad_lines() -> None:
    ctx = ReadContext(path=str(FIXTURE))
    convs = list(READER.read(FIXTURE, ctx))
    assert [c.id for c in convs] == ["enron:allen-p_inbox_1", "enron:allen-p_inbox_2",
                                     "enron:allen-p_inbox_3", "enron:allen-p_inbox_4"]
    assert {c.label for c in convs} == {"benign"}
    assert [c.extra["split"] for c in convs] == ["test", "test", "train", "dev"]
    first = convs[0]
    assert len(first.messages) == 1
    assert first.messages[0].platform == "email"
    assert first.messages[0].sender == "counterpart"
    assert first.messages[0].text.startswith("Re: meeting on the Bishops Corner draw\n\n")
    # no subject: the body alone
    assert convs[3].messages[0].text.startswith("Please send me your resume")
    # line 3 has no body, line 4 is not JSON: both skipped with their line numbers
    assert ctx.skipped == 2
    lines = sorted(i.line for i in ctx.issues)
    assert lines == [3, 4]
    assert all(str(FIXTURE) in str(i) for i in ctx.issues)


def test_sniffed_as_enron_not_canonical_jsonl() -> None:
    reader = detect_reader(FIXTURE)
    assert reader is not None and reader.name == "enron"
    canonical = Path(__file__).parents[1] / "fixtures" / "evaluate" / "labelled.jsonl"
    assert READER.sniff(canonical) == 0.0


def test_non_benign_label_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "mail.jsonl"
    path.write_text('{"id": "x", "subject": "s", "body": "b", "label": 1}\n', encoding="utf-8")
    ctx = ReadContext(path=str(path))
    assert list(READER.read(path, ctx)) == []
    assert ctx.skipped == 1 and "label 1" in ctx.issues[0].message
