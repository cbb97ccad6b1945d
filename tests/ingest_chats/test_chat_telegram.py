from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_helpers import FIXTURES, issue_lines, read_all

from lurewatch.ingest.base import MAX_MESSAGE_CHARS, InputError, ReadContext
from lurewatch.ingest.telegram import READER

FULL = FIXTURES / "telegram" / "full_export" / "result.json"
SINGLE = FIXTURES / "telegram" / "single_chat" / "result.json"


def test_full_export_owner_from_personal_information() -> None:
    conversations, ctx = read_all(READER, FULL)
    assert issue_lines(ctx) == []
    # saved messages (notes to self) are not a conversation
    assert [c.id for c in conversations] == ["telegram:7012345678", "telegram:4455667788"]
    hostile = conversations[0]
    assert hostile.owner == "Daniel Roy"
    assert hostile.extra["owner_from"] == "export"
    assert hostile.counterpart is not None and hostile.counterpart.name == "Alex Lin"
    assert [m.sender for m in hostile.messages] == [
        "counterpart", "owner", "counterpart", "counterpart", "counterpart", "owner",
        "counterpart"]
    assert hostile.identities == {("telegram", "user7012345678"), ("name", "alex lin"),
                                  ("phone", "+6581234567")}
    assert hostile.extra["service_messages"] == 1  # the phone call
    assert ctx.conversations == 2 and ctx.messages == 7 + 4


def test_text_parts_are_joined_and_links_kept() -> None:
    hostile = read_all(READER, FULL)[0][0]
    brief = hostile.messages[2]
    assert brief.text == (
        "We prepare briefings for senior clients in Asia. A short paper on EU semiconductor "
        "export controls, USD 2,000. Brief here: project brief\n"
        "Only your personal views, from public sources."
    )
    assert brief.extra["links"] == ["https://eurasia-futures.example/brief-0403"]
    assert hostile.messages[4].extra["mentions"] == ["eurasia_payments"]
    assert hostile.messages[5].extra["edited"] is True


def test_unix_time_is_preferred_and_utc() -> None:
    hostile = read_all(READER, FULL)[0][0]
    # "date" is 20:11:05 local (UTC+1); date_unixtime is the truth
    assert hostile.messages[0].ts == datetime(2023, 4, 3, 19, 11, 5, tzinfo=UTC)


def test_media_messages() -> None:
    hostile, group = read_all(READER, FULL)[0]
    photo = hostile.messages[3]
    assert photo.text == "" and photo.extra["media"] == "image"
    assert photo.extra["file"].startswith("photos/")
    assert group.messages[2].extra["media"] == "document"


def test_group_chat_participants() -> None:
    group = read_all(READER, FULL)[0][1]
    assert group.extra["group"] is True
    assert group.owner == "Daniel Roy"
    assert group.counterpart is not None and group.counterpart.name == "Sofia Marin"
    assert group.extra["participants"] == ["Tomás Ferreira"]
    assert group.extra["service_messages"] == 1
    assert group.messages[-1].sender == "owner"


def test_single_chat_owner_from_the_peer_id() -> None:
    [conv], ctx = read_all(READER, SINGLE)
    assert issue_lines(ctx) == []
    assert conv.owner == "Daniel Roy"
    assert conv.extra["owner_from"] == "peer-id"
    assert conv.identities == {("telegram", "user8800123"), ("name", "sam okafor")}
    assert conv.messages[3].extra["media"] == "voice_message"
    assert conv.messages[2].text.endswith("sam.okafor@helix-robotics.example.")
    assert len(conv.messages) == 5


def test_single_chat_owner_from_the_chat_name(tmp_path: Path) -> None:
    data = json.loads(SINGLE.read_text(encoding="utf-8"))
    del data["id"]
    for m in data["messages"]:
        m.pop("from_id", None)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [conv], ctx = read_all(READER, path)
    assert issue_lines(ctx) == []
    assert conv.owner == "Daniel Roy" and conv.extra["owner_from"] == "title"
    assert [m.sender for m in conv.messages][:2] == ["counterpart", "owner"]


def test_given_owner_is_used(tmp_path: Path) -> None:
    [conv], _ = read_all(READER, SINGLE, owner="Sam Okafor")
    assert conv.owner == "Sam Okafor"
    assert conv.messages[0].sender == "owner"


def test_truncated_single_chat_keeps_what_was_read(tmp_path: Path) -> None:
    text = SINGLE.read_text(encoding="utf-8")
    cut = text.index("First a call with me")
    path = tmp_path / "result.json"
    path.write_text(text[:cut], encoding="utf-8")
    [conv], ctx = read_all(READER, path)
    [warning] = issue_lines(ctx)
    assert warning.startswith(f"{path}: JSON is malformed or cut short")
    assert "kept" in warning
    assert [m.text[:6] for m in conv.messages] == ["Hi Dan", "Thanks"]


def test_truncated_full_export_keeps_earlier_chats(tmp_path: Path) -> None:
    text = FULL.read_text(encoding="utf-8")
    cut = text.index("Thanks Sofia!")
    path = tmp_path / "result.json"
    path.write_text(text[:cut], encoding="utf-8")
    ctx = ReadContext(str(path))
    chats = READER.read(path, ctx)
    first = next(chats)  # streamed: the first chat arrives before the damage is reached
    assert first.id == "telegram:7012345678" and ctx.issues == []
    conversations = [first, *chats]
    assert [c.id for c in conversations] == ["telegram:7012345678", "telegram:4455667788"]
    assert len(conversations[0].messages) == 7
    assert len(conversations[1].messages) == 1  # the part read before the cut
    assert any("cut short" in w for w in issue_lines(ctx))


def test_very_long_text_is_clipped_with_a_warning(tmp_path: Path) -> None:
    data = json.loads(SINGLE.read_text(encoding="utf-8"))
    data["messages"][0]["text"] = "a" * (MAX_MESSAGE_CHARS + 500)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # one single line of JSON
    [conv], ctx = read_all(READER, path)
    assert len(conv.messages[0].text) == MAX_MESSAGE_CHARS
    assert any("cut to" in w for w in issue_lines(ctx))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(b"")
    assert READER.sniff(path) == 0.0
    with pytest.raises(InputError, match="empty"):
        list(READER.read(path, ReadContext(str(path))))


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(bytes(range(256)) * 8)
    assert READER.sniff(path) == 0.0
    with pytest.raises(InputError) as err:
        list(READER.read(path, ReadContext(str(path))))
    assert "\n" not in str(err.value)


def test_json_that_is_not_a_telegram_export(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"users": [{"name": "x"}]}', encoding="utf-8")
    assert READER.sniff(path) == 0.0
    conversations, ctx = read_all(READER, path)
    assert conversations == []
    assert any("no Telegram chat" in w for w in issue_lines(ctx))


def test_sniff() -> None:
    assert READER.sniff(FULL) >= 0.9
    assert READER.sniff(SINGLE) >= 0.9
    assert READER.sniff(FIXTURES / "wechat" / "messages.csv") == 0.0
    assert READER.sniff(FULL.parent) == 0.0
