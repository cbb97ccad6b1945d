"""The SEConvo reader on a small hand-written file, broken files, and the real data set."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.seconvo import READER
from lurewatch.model import Conversation

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "seconvo" / "small.json"
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "seconvo"


def read(path: Path) -> tuple[list[Conversation], ReadContext]:
    ctx = ReadContext(str(path))
    return list(READER.read(path, ctx)), ctx


def test_turns_labels_and_ground_truth() -> None:
    convs, _ = read(FIXTURE)
    assert [c.id for c in convs] == ["seconvo:7001", "seconvo:7002", "seconvo:2", "seconvo:7005"]
    first = convs[0]
    assert first.format == "seconvo" and first.label == "hostile"
    assert first.owner == "Tom" and first.counterpart is not None
    assert first.counterpart.name == "Rachel"
    assert [m.sender for m in first.messages] == ["counterpart", "owner"] * 2 + ["counterpart"]
    assert {m.platform for m in first.messages} == {"linkedin"}
    truth = first.extra["ground_truth"]
    assert truth["Scenario"] == "Academic Funding" and truth["Ambiguity"] == 2
    assert truth["PII"][2] == {"Name": "internal documents", "Messages": [4]}
    assert ("name", "rachel") in first.identities
    assert convs[1].label == "benign" and convs[1].extra["ground_truth"]["Scenario"] == "Journalism"


def test_utf8_read_as_cp1252_is_repaired() -> None:
    convs, _ = read(FIXTURE)
    texts = [m.text for m in convs[0].messages]
    assert "I’ll need your date of birth" in texts[2]
    assert "understandable – could you" in texts[4]
    assert not any("â€" in t for t in texts)


def test_turns_follow_position_not_names() -> None:
    # The data set has conversations whose first turn repeats the other person's name.
    convs, _ = read(FIXTURE)
    odd = convs[3]
    assert [m.sender for m in odd.messages] == ["counterpart", "owner"] * 2 + ["counterpart"]
    assert odd.messages[0].sender_name == "Todd"
    assert odd.counterpart is not None and odd.counterpart.name == "Mary" and odd.owner == "Todd"


def test_broken_conversation_is_skipped_with_its_position() -> None:
    _, ctx = read(FIXTURE)
    assert [str(i) for i in ctx.issues] == [
        f"{FIXTURE}: conversation 3: no 'Conversation' turns; skipped"]
    assert ctx.skipped == 1 and ctx.conversations == 4 and ctx.messages == 15


def test_file_cut_in_the_middle_keeps_what_came_before(tmp_path: Path) -> None:
    data = FIXTURE.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: data.index(b'"Lena"') + 40])
    convs, ctx = read(cut)
    assert [c.id for c in convs] == ["seconvo:7001"]
    assert "JSON broken after conversation 0" in ctx.issues[-1].message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02garbage" * 100, "binary data"),
        (b'{"Conversations": []}', "no conversations"),
        (b'{"Conversations": [', "not SEConvo JSON"),
        (b"[1, 2, 3]", "no conversations"),
    ],
)
def test_unreadable_files_are_one_line_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read(path)
    assert "\n" not in str(caught.value)


def test_sniff(tmp_path: Path) -> None:
    assert READER.sniff(FIXTURE) >= 0.9
    other = tmp_path / "result.json"
    other.write_text('{"name": "Vivian", "type": "personal_chat", "messages": []}')
    assert READER.sniff(other) == 0.0


@pytest.mark.skipif(not DATA.is_dir(), reason="SEConvo data set not present")
@pytest.mark.parametrize(
    ("name", "count", "hostile"),
    [("annotated_train.json", 40, 24), ("unannotated_train.json", 100, 50),
     ("annotated_test.json", 360, 191)],
)
def test_real_seconvo_files(name: str, count: int, hostile: int) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    assert READER.sniff(path) >= 0.9
    convs, ctx = read(path)
    assert len(convs) == count and ctx.issues == []
    assert Counter(c.label for c in convs)["hostile"] == hostile
    assert len({c.id for c in convs}) == count
    assert all(m.sender == ("counterpart" if i % 2 == 0 else "owner")
               for c in convs for i, m in enumerate(c.messages))
    assert not any("â€" in m.text for c in convs for m in c.messages)
