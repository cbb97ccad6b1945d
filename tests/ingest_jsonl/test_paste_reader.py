"""Pasted text: `Name: message` dialogues, single messages, and the owner guess."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.paste import READER, read_text
from lurewatch.model import Conversation

DIALOGUE = """\
[10:42] Vivian K.: Hi Daniel, great to connect!
My clients need an expert in grid operations.
[10:45] Daniel Roy: Thanks, what would they need?
Note: I can't share anything internal.
10:47 Vivian K.: Just a short report, USD 3,000. Can we move to WeChat? vivian_kbt88
[2023-03-04 09:15] Daniel Roy: OK, I will add you.
"""


def paste(text: str, owner: str | None = None) -> tuple[Conversation, ReadContext]:
    ctx = ReadContext("<stdin>", owner=owner)
    [conv] = list(read_text(text, ctx))
    return conv, ctx


def test_dialogue_with_times_and_continuation_lines() -> None:
    conv, ctx = paste(DIALOGUE)
    assert conv.id == "paste:stdin" and conv.format == "paste" and conv.source == "<stdin>"
    assert [m.sender_name for m in conv.messages] == ["Vivian K.", "Daniel Roy"] * 2
    assert [m.sender for m in conv.messages] == ["counterpart", "owner"] * 2
    assert conv.messages[0].text == (
        "Hi Daniel, great to connect!\nMy clients need an expert in grid operations.")
    # "Note:" is a label, not a third speaker: it continues Daniel's message.
    assert conv.messages[1].text.endswith("\nNote: I can't share anything internal.")
    assert conv.messages[0].ts is None and conv.messages[0].extra == {"time": "10:42"}
    assert conv.messages[2].extra == {"time": "10:47"}
    assert conv.messages[3].ts == datetime(2023, 3, 4, 9, 15, tzinfo=UTC)
    assert conv.owner == "Daniel Roy"
    assert conv.counterpart is not None and conv.counterpart.name == "Vivian K."
    assert conv.identities == {("name", "vivian k.")}
    assert {m.platform for m in conv.messages} == {"other"}
    # The owner was guessed (second speaker), and the reader says so.
    [warning] = [str(i) for i in ctx.issues]
    assert "owner not given; assuming 'Daniel Roy'" in warning and "--owner" in warning
    assert ctx.conversations == 1 and ctx.messages == 4


def test_owner_given_overrides_the_guess() -> None:
    conv, ctx = paste(DIALOGUE, owner="Vivian")
    assert [m.sender for m in conv.messages] == ["owner", "counterpart"] * 2
    assert conv.counterpart is not None and conv.counterpart.name == "Daniel Roy"
    assert ctx.issues == []


def test_owner_not_among_speakers_is_reported() -> None:
    conv, ctx = paste(DIALOGUE, owner="Someone Else")
    assert conv.owner == "Daniel Roy"
    assert "'Someone Else' is not among the speakers" in str(ctx.issues[0])


def test_single_message_without_names_is_one_counterpart_message() -> None:
    text = (
        "Dear Daniel:\n\nI'm Vivian from Kestrel Bridge. My clients would pay USD 3,000 for a\n"
        "short report.\nNote: please keep this between us.\nBest, Vivian\n"
    )
    conv, ctx = paste(text)
    [msg] = conv.messages
    assert msg.sender == "counterpart" and msg.sender_name is None
    assert msg.text == text.strip()
    assert conv.counterpart is None and ctx.issues == []


def test_chinese_dialogue_with_full_width_colons() -> None:
    text = (
        "张喆：丹尼尔先生您好，我的客户希望您写一份报告。\n"
        "丹尼尔：什么样的报告？\n"
        "张喆：关于贵公司电网项目的进展，报酬五千美元。\n"
    )
    conv, _ = paste(text, owner="丹尼尔")
    assert [m.sender for m in conv.messages] == ["counterpart", "owner", "counterpart"]
    assert conv.messages[2].text == "关于贵公司电网项目的进展，报酬五千美元。"
    assert conv.counterpart is not None and conv.counterpart.name == "张喆"


def test_chinese_letter_greeting_is_not_a_speaker() -> None:
    text = "丹尼尔先生您好：\n\n我的客户希望您写一份关于电网项目的报告，报酬五千美元。\n此致\n张喆"
    conv, _ = paste(text)
    [msg] = conv.messages
    assert msg.sender_name is None and msg.text.startswith("丹尼尔先生您好：")


def test_urls_are_not_speakers() -> None:
    conv, _ = paste("Vivian: see https://kbt-docs.example/portal\nhttps://kbt.example: login\n")
    [msg] = conv.messages
    assert msg.text.endswith("https://kbt.example: login")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "no text to read"), ("  \n\n\t", "no text to read"), ("ab\x00cd", "binary data")],
)
def test_nothing_to_read_is_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        list(read_text(text, ReadContext("<stdin>")))
    assert str(caught.value) == message or str(caught.value).startswith(message + ",")


def test_text_file_through_the_reader_interface(tmp_path: Path) -> None:
    path = tmp_path / "chat with vivian.txt"
    path.write_bytes(DIALOGUE.encode("utf-8-sig"))
    assert 0.3 <= READER.sniff(path) < 0.5  # low: real export readers win over it
    ctx = ReadContext(str(path))
    [conv] = list(READER.read(path, ctx))
    assert conv.id == "paste:chat with vivian.txt" and conv.source == str(path)
    assert conv.messages[0].sender_name == "Vivian K."
    assert READER.sniff(tmp_path / "missing.txt") == 0.0


def test_gbk_text_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wechat.txt"
    path.write_bytes("张喆：您好，请写一份报告。\n丹尼尔：好的。\n".encode("gbk"))
    [conv] = list(READER.read(path, ReadContext(str(path))))
    assert conv.messages[0].text == "您好，请写一份报告。"


def test_binary_and_empty_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(random.Random(9).randbytes(3000))
    assert READER.sniff(garbage) == 0.0
    with pytest.raises(InputError, match="binary data"):
        list(READER.read(garbage, ReadContext(str(garbage))))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert READER.sniff(empty) == 0.0
    with pytest.raises(InputError, match="no text to read"):
        list(READER.read(empty, ReadContext(str(empty))))
