from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from chat_helpers import FIXTURES, issue_lines, read_all

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.whatsapp import READER

WA = FIXTURES / "whatsapp"
HOSTILE = WA / "WhatsApp Chat with +44 7700 900123.txt"
RECRUITER = WA / "WhatsApp Chat with Priya Nair.txt"
GROUP = WA / "WhatsApp Chat with Cyber Summit Speakers.txt"
IOS_DIR = WA / "ios_conference"


def test_android_us_twelve_hour_chat_with_unsaved_number() -> None:
    [conv], ctx = read_all(READER, HOSTILE)
    assert issue_lines(ctx) == []
    assert conv.id == "whatsapp:WhatsApp Chat with +44 7700 900123.txt"
    assert conv.format == "whatsapp"
    assert conv.owner == "Daniel Roy"
    assert conv.counterpart is not None and conv.counterpart.name == "+44 7700 900123"
    assert conv.identities == {("whatsapp-number", "+447700900123")}
    assert conv.extra["date_order"] == "MDY"
    assert conv.extra["system_lines"] == 2  # encryption notice, number change
    first = conv.messages[0]
    assert first.sender == "counterpart"
    assert first.platform == "whatsapp"
    assert first.ts == datetime(2023, 3, 14, 21, 2, tzinfo=UTC)  # 9:02 PM
    assert "we spoke on LinkedIn" in first.text
    assert [m.sender for m in conv.messages[:2]] == ["counterpart", "owner"]
    assert conv.messages[3].ts == datetime(2023, 3, 15, 8, 30, tzinfo=UTC)
    assert len(conv.messages) == 12
    assert ctx.conversations == 1 and ctx.messages == 12


def test_multi_line_message_keeps_its_lines() -> None:
    [conv], _ = read_all(READER, HOSTILE)
    report = conv.messages[2]
    assert report.text == (
        "As I said, my clients are consultancies in Asia who need expert views on European "
        "grid security policy.\nThey pay well: USD 1,500 for a short report, 3-4 pages.\n"
        "Nothing classified of course, just your own analysis 👍"
    )
    assert report.extra["line"] == 4


def test_media_deleted_and_edited_lines() -> None:
    [conv], _ = read_all(READER, HOSTILE)
    media = conv.messages[4]
    assert media.text == "" and media.extra["media"] == "media"
    edited = conv.messages[5]
    assert edited.extra.get("edited") is True
    assert edited.text.endswith("deadline Friday")
    deleted = conv.messages[-1]
    assert deleted.text == "" and deleted.extra["deleted"] is True
    secrecy = conv.messages[-2]
    assert "keep this between us" in secrecy.text


def test_day_first_twenty_four_hour_with_bom_and_crlf() -> None:
    [conv], ctx = read_all(READER, RECRUITER)
    assert issue_lines(ctx) == []
    assert conv.extra["date_order"] == "DMY"
    assert conv.owner == "Daniel Roy" and conv.extra["owner_from"] == "title"
    assert conv.identities == {("name", "priya nair")}
    assert conv.messages[0].ts == datetime(2023, 3, 14, 10, 2, tzinfo=UTC)
    assert conv.messages[0].text.startswith("Hi Daniel")  # no BOM, no \r left behind
    assert all("\r" not in m.text for m in conv.messages)
    attached = conv.messages[3]
    assert attached.extra["media"] == "image"
    assert attached.extra["file"] == "IMG-20230315-WA0004.jpg"
    assert attached.text == "Our office in Rotterdam, for the onsite day"  # the caption


def test_utf16_dotted_group_chat_needs_an_owner() -> None:
    [conv], ctx = read_all(READER, GROUP)
    warnings = issue_lines(ctx)
    assert any("could not tell the owner" in w and "--owner" in w for w in warnings)
    assert conv.owner is None
    assert {m.sender for m in conv.messages} == {"counterpart"}
    assert conv.extra["date_order"] == "DMY"
    # created, added, joined, subject change (with a colon in it) and the notice
    assert conv.extra["system_lines"] == 5
    assert len(conv.messages) == 4
    assert conv.messages[0].ts == datetime(2023, 5, 31, 10, 5, tzinfo=UTC)


def test_group_chat_with_given_owner() -> None:
    [conv], ctx = read_all(READER, GROUP, owner="Daniel Roy")
    assert not any("owner" in w for w in issue_lines(ctx))
    assert conv.owner == "Daniel Roy"
    assert conv.extra["group"] is True
    assert conv.counterpart is not None and conv.counterpart.name == "Jonas Weber"
    assert conv.extra["participants"] == ["Amira Haddad"]
    assert [m.sender for m in conv.messages] == ["counterpart", "counterpart", "owner",
                                                 "counterpart"]
    assert conv.messages[-1].text.endswith("receipts to travel@cybersummit.example")


def _check_ios(conv) -> None:
    assert conv.owner == "Daniel Roy"
    assert conv.counterpart.name == "Marta Kowalska"  # from the notice's sender
    assert conv.extra["system_lines"] == 1
    assert conv.extra["media_files"] == 2
    assert conv.messages[0].ts == datetime(2023, 5, 2, 9, 12, 40, tzinfo=UTC)
    photo, letter = conv.messages[2], conv.messages[3]
    assert photo.extra["media"] == "image"
    assert photo.extra["file"] == "00000003-PHOTO-2023-05-02-09-14-02.jpg"
    assert letter.extra["media"] == "document"
    deleted = conv.messages[5]
    assert deleted.sender == "owner" and deleted.extra["deleted"] is True
    edited = conv.messages[6]
    assert edited.extra["edited"] is True
    assert edited.text.endswith("recorded and published.")
    assert conv.messages[-1].extra["media"] == "image" and conv.messages[-1].sender == "owner"


def test_ios_export_folder() -> None:
    assert READER.sniff(IOS_DIR) >= 0.9
    [conv], ctx = read_all(READER, IOS_DIR)
    assert issue_lines(ctx) == []
    _check_ios(conv)


def test_ios_export_zip_with_media(tmp_path: Path) -> None:
    archive = tmp_path / "WhatsApp Chat - Marta Kowalska.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in sorted(IOS_DIR.iterdir()):
            zf.write(item, item.name)
    assert READER.sniff(archive) >= 0.9
    [conv], ctx = read_all(READER, archive)
    assert issue_lines(ctx) == []
    _check_ios(conv)
    assert conv.extra["chat_title"] == "Marta Kowalska"  # from the zip's name


def test_zip_with_traversal_entry_is_read_without_it(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("_chat.txt", (IOS_DIR / "_chat.txt").read_bytes())
        zf.writestr("../../evil.txt", "pwned")
    [conv], ctx = read_all(READER, archive)
    assert len(conv.messages) == 8
    assert any("evil.txt" in w for w in issue_lines(ctx))
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_without_chat_is_an_input_error(tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.jpg", b"\xff\xd8")
    assert READER.sniff(archive) == 0.0
    with pytest.raises(InputError, match="no WhatsApp chat"):
        list(READER.read(archive, ReadContext(str(archive))))


@pytest.mark.parametrize(
    ("clock", "order", "expected"),
    [("21:41", "DMY", datetime(2023, 4, 5, 21, 41, tzinfo=UTC)),
     ("9:41\u202fPM", "MDY", datetime(2023, 5, 4, 21, 41, tzinfo=UTC))],
)
def test_ambiguous_dates_fall_back_to_the_documented_default_and_warn(
    tmp_path: Path, clock: str, order: str, expected: datetime
) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text(f"05/04/2023, {clock} - Vivian K.: Hello\n"
                    f"06/04/2023, {clock} - Daniel Roy: Hi\n", encoding="utf-8")
    [conv], ctx = read_all(READER, chat, owner="Daniel Roy")
    assert conv.extra["date_order"] == order
    assert conv.messages[0].ts == expected
    assert any("ambiguous" in w for w in issue_lines(ctx))


def test_garbage_lines_in_the_middle_are_reported_with_their_line(tmp_path: Path) -> None:
    lines = RECRUITER.read_bytes().split(b"\r\n")
    lines.insert(4, b"\x00\x01\x02\xff\xfe\x13 garbage \x07\x08")
    lines.insert(5, b"45/13/2023, 25:99 - Priya Nair: never sent")
    broken = tmp_path / "WhatsApp Chat with Priya Nair.txt"
    broken.write_bytes(b"\r\n".join(lines))
    [conv], ctx = read_all(READER, broken)
    warnings = issue_lines(ctx)
    assert any(w.startswith(f"{broken}:5: unreadable line") for w in warnings)
    assert any(w.startswith(f"{broken}:6: impossible date") for w in warnings)
    assert ctx.skipped == 2
    assert len(conv.messages) == 7  # everything else still read
    assert conv.messages[-1].text == "Understood 👍"


def test_single_very_long_line_is_skipped_and_the_rest_read(tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Vivian K.txt"
    long_line = "x" * 1_200_000
    chat.write_text(
        "14/03/2023, 10:02 - Vivian K.: Hello Daniel\n"
        f"{long_line}\n"
        "14/03/2023, 10:05 - Daniel Roy: Hello\n",
        encoding="utf-8",
    )
    [conv], ctx = read_all(READER, chat)
    assert any(w.startswith(f"{chat}:2: line of 1,200,000 bytes") for w in issue_lines(ctx))
    assert [m.text for m in conv.messages] == ["Hello Daniel", "Hello"]
    assert conv.owner == "Daniel Roy"


def test_text_before_the_first_dated_line(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("copied from somewhere\n14/03/2023, 10:02 - Vivian K.: Hello\n",
                    encoding="utf-8")
    [conv], ctx = read_all(READER, chat, owner="Daniel Roy")
    assert any(w.startswith(f"{chat}:1: text before the first dated line")
               for w in issue_lines(ctx))
    assert [m.text for m in conv.messages] == ["Hello"]


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "WhatsApp Chat with Nobody.txt"
    empty.write_bytes(b"")
    assert READER.sniff(empty) == 0.0
    with pytest.raises(InputError) as err:
        list(READER.read(empty, ReadContext(str(empty))))
    assert "\n" not in str(err.value)


def test_binary_garbage(tmp_path: Path) -> None:
    junk = tmp_path / "chat.txt"
    junk.write_bytes(bytes(range(256)) * 40)
    assert READER.sniff(junk) == 0.0
    ctx = ReadContext(str(junk))
    with pytest.raises(InputError, match="no WhatsApp message lines"):
        list(READER.read(junk, ctx))
    issue_lines(ctx)


def test_sniff_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "notes.txt"
    renamed.write_bytes(RECRUITER.read_bytes())
    assert READER.sniff(renamed) >= 0.9
    assert READER.sniff(GROUP) >= 0.9  # UTF-16
    prose = tmp_path / "WhatsApp Chat with Someone.txt"
    prose.write_text("Dear Daniel,\nthanks for the call on 14/03/2023.\n", encoding="utf-8")
    assert READER.sniff(prose) == 0.0
    csv_file = FIXTURES / "wechat" / "messages.csv"
    assert READER.sniff(csv_file) == 0.0
