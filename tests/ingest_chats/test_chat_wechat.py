from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_helpers import FIXTURES, issue_lines, read_all

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.wechat import READER

WC = FIXTURES / "wechat"
MESSAGES = WC / "messages.csv"
GBK = WC / "zhang_gbk.csv"
HEADER = ("localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,"
          "Remark,NickName,Sender")


def test_one_csv_with_three_chats_in_order() -> None:
    conversations, ctx = read_all(READER, MESSAGES)
    assert issue_lines(ctx) == []
    assert [c.id for c in conversations] == [
        "wechat:wxid_zhang_hr2023", "wechat:vivian_kbt88", "wechat:23456789012@chatroom"]
    assert all(c.format == "wechat" for c in conversations)
    assert ctx.conversations == 3 and ctx.messages == 6 + 6 + 4


def test_chinese_company_chat() -> None:
    zhang = read_all(READER, MESSAGES)[0][0]
    assert zhang.counterpart is not None and zhang.counterpart.name == "张经理 星辰科技HR"
    assert zhang.identities == {("wechat-id", "wxid_zhang_hr2023"),
                                ("name", "张经理 星辰科技hr"), ("name", "zhang wei")}
    assert zhang.extra["system_messages"] == 1  # "你已添加了..."
    assert [m.sender for m in zhang.messages] == [
        "counterpart", "owner", "counterpart", "counterpart", "counterpart", "owner"]
    first = zhang.messages[0]
    assert first.platform == "wechat"
    assert first.ts == datetime(2023, 7, 3, 2, 2, 40, tzinfo=UTC)  # 10:02:40 in Beijing
    assert "职位编号 XC-MUC-017" in first.text
    multi = zhang.messages[2]
    assert multi.text.splitlines() == [
        "流程是：", "1. 人力资源初面（视频）", "2. 技术面试两轮，慕尼黑团队负责",
        "3. 终面后发正式录用通知和劳动合同（德国法律）"]
    assert multi.extra["line"] == 5
    assert zhang.messages[3].extra["line"] == 9  # after the three-line quoted field
    image = zhang.messages[4]
    assert image.text == "" and image.extra["media"] == "image"


def test_hostile_chat_app_messages() -> None:
    vivian = read_all(READER, MESSAGES)[0][1]
    assert vivian.identities >= {("wechat-id", "vivian_kbt88"), ("name", "vivian")}
    assert vivian.extra["system_messages"] == 2  # added-friend notice, recall
    link = vivian.messages[2]
    assert link.text == "Project brief - Kestrel Bridge\nTopics for the first report"
    assert link.extra["media"] == "link"
    assert link.extra["links"] == ["https://kestrel-bridge.example/brief?id=88"]
    transfer = vivian.messages[4]
    assert transfer.extra["media"] == "transfer"
    assert "收到转账1500.00元" in transfer.text
    assert "keep this between us" in vivian.messages[5].text


def test_group_chat_senders() -> None:
    group = read_all(READER, MESSAGES)[0][2]
    assert group.extra["group"] is True
    assert group.counterpart is not None and group.counterpart.name == "刘老师 会务组"
    assert group.extra["participants"] == ["Chen Jie"]
    assert group.identities == {("wechat-id", "wxid_liufang_conf"), ("name", "刘老师 会务组")}
    assert [m.sender_name for m in group.messages[:2]] == ["刘老师 会务组", "Chen Jie"]
    assert group.messages[-1].sender == "owner"
    assert group.owner == "Daniel Roy"  # the owner's row carries a nickname


def test_given_owner() -> None:
    zhang = read_all(READER, MESSAGES, owner="Daniel Roy")[0][0]
    assert zhang.owner == "Daniel Roy"


def test_gbk_file_is_detected_and_reported() -> None:
    [conv], ctx = read_all(READER, GBK)
    assert issue_lines(ctx) == [f"{GBK}: file is not UTF-8; decoded as GBK (GB18030)"]
    utf8 = read_all(READER, MESSAGES)[0][0]
    assert [m.text for m in conv.messages] == [m.text for m in utf8.messages]


def test_missing_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "chat.csv"
    path.write_text("localId,Type,CreateTime,StrContent\n"
                    "1,1,1688349760,你好\n"
                    "2,1,1688349903,您好\n", encoding="utf-8-sig")
    [conv], ctx = read_all(READER, path)
    warnings = issue_lines(ctx)
    assert f"{path}:1: no talkerid column: the whole file is read as one chat" in warnings
    assert any("no issender column" in w for w in warnings)
    assert conv.id == "wechat:chat"
    assert [m.text for m in conv.messages] == ["你好", "您好"]


def test_missing_content_column_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("UserName,Alias,Remark,NickName\nwxid_a,a,A,A\n", encoding="utf-8")
    with pytest.raises(InputError, match="no StrContent column") as err:
        list(READER.read(path, ReadContext(str(path))))
    assert "\n" not in str(err.value)


def test_short_rows_and_long_lines_are_skipped_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    long_content = "长" * 400_000  # 1.2 MB in UTF-8
    path.write_text(
        f"{HEADER}\n"
        "1,wxid_a,1,0,0,1688349760,2,第一条,,,,\n"
        "2,wxid_a,1\n"
        f"3,wxid_a,1,0,0,1688349761,2,{long_content},,,,\n"
        "4,wxid_a,1,0,1,1688349762,2,最后一条,,,,\n",
        encoding="utf-8",
    )
    [conv], ctx = read_all(READER, path)
    warnings = issue_lines(ctx)
    assert any(w.startswith(f"{path}:3: row has 3 fields") for w in warnings)
    assert any(w.startswith(f"{path}:4: line of") for w in warnings)
    assert [m.text for m in conv.messages] == ["第一条", "最后一条"]


def test_chats_split_across_the_file(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_text(
        f"{HEADER}\n"
        "1,wxid_a,1,0,0,1688349760,2,a1,,,,\n"
        "2,wxid_b,1,0,0,1688349761,2,b1,,,,\n"
        "3,wxid_a,1,0,0,1688349762,2,a2,,,,\n",
        encoding="utf-8",
    )
    conversations, ctx = read_all(READER, path)
    assert [c.id for c in conversations] == ["wechat:wxid_a", "wechat:wxid_b", "wechat:wxid_a#2"]
    assert any(w.startswith(f"{path}:4: rows of chat wxid_a are not together")
               for w in issue_lines(ctx))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_bytes(b"")
    assert READER.sniff(path) == 0.0
    with pytest.raises(InputError, match="empty file"):
        list(READER.read(path, ReadContext(str(path))))


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    path.write_bytes(bytes(range(1, 256)) * 20)
    assert READER.sniff(path) == 0.0
    ctx = ReadContext(str(path))
    with pytest.raises(InputError) as err:
        list(READER.read(path, ctx))
    assert "\n" not in str(err.value)
    issue_lines(ctx)


def test_sniff() -> None:
    assert READER.sniff(MESSAGES) >= 0.9
    assert READER.sniff(GBK) >= 0.9
    assert READER.sniff(FIXTURES / "telegram" / "single_chat" / "result.json") == 0.0
    assert READER.sniff(WC) == 0.0
