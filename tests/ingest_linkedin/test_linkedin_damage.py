"""Broken and hostile LinkedIn exports: one-line warnings, the rest still read, disk untouched."""

from __future__ import annotations

import os
import zipfile

import pytest
from linkedin_helpers import (
    NEW_EXPORT,
    NEW_HEADER,
    OLD_EXPORT,
    OWNER,
    csv_text,
    issues_text,
    message_row,
    read_all,
    tree_digest,
    zip_entries,
)

from lurewatch.ingest.base import InputError
from lurewatch.ingest.linkedin import READER

ANA = ("Ana Müller", "https://www.linkedin.com/in/ana-mueller-de")
INVITATIONS = (NEW_EXPORT / "Invitations.csv").read_bytes()


def _messages(*contents: str) -> str:
    rows = [NEW_HEADER]
    for i, text in enumerate(contents):
        rows.append(message_row("A", ANA, OWNER, f"2024-03-0{i + 1} 10:00:00 UTC", text))
    return csv_text(rows)


def _read_untouched(path):
    before = tree_digest(path.parent)
    conversations, ctx = read_all(path, owner="Priya Raman")
    assert tree_digest(path.parent) == before  # nothing written next to the input
    return conversations, ctx


def test_truncated_zip_is_one_input_error(tmp_path):
    good = zip_entries(tmp_path / "good.zip", {
        "export/messages.csv": (NEW_EXPORT / "messages.csv").read_bytes(),
    })
    broken = tmp_path / "Basic_LinkedInDataExport_broken.zip"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    before = tree_digest(tmp_path)
    assert READER.sniff(broken) == pytest.approx(0.5)  # claimed, so the user hears why
    with pytest.raises(InputError, match=r"^not a readable zip archive: "):
        read_all(broken)
    assert tree_digest(tmp_path) == before


def test_corrupt_entry_data_is_a_warning(tmp_path):
    archive = zip_entries(tmp_path / "export.zip", {
        "messages.csv": _messages("Hello " * 2000).encode(),
        "Invitations.csv": INVITATIONS,
    })
    data = bytearray(archive.read_bytes())
    start = data.index(b"messages.csv") + len(b"messages.csv") + 200
    data[start:start + 64] = bytes(64)  # scribble over the deflated stream
    archive.write_bytes(bytes(data))
    conversations, ctx = _read_untouched(archive)
    assert "export.zip:messages.csv: stopped reading: damaged zip entry" in issues_text(ctx)
    assert any(c.counterpart.name == "Liam Zhou" for c in conversations)


def test_zip_bomb_is_stopped_while_streaming(tmp_path):
    bomb = _messages("Hi").encode() + b"A," * (20 << 20)  # 40 MB that deflates to ~40 KB
    archive = zip_entries(tmp_path / "export.zip", {
        "messages.csv": bomb,
        "Invitations.csv": INVITATIONS,
    })
    assert archive.stat().st_size < 200_000
    conversations, ctx = _read_untouched(archive)
    text = issues_text(ctx)
    assert "export.zip:messages.csv: stopped reading: looks like a zip bomb" in text
    assert any(c.counterpart.name == "Liam Zhou" for c in conversations)


def test_unsafe_entry_names_are_skipped(tmp_path):
    archive = zip_entries(tmp_path / "export.zip", {
        "../messages.csv": _messages("planted outside").encode(),
        "/etc/Invitations.csv": INVITATIONS,
        "..\\..\\Profile.csv": b"First Name,Last Name\nMallory,Evil\n",
        "export/messages.csv": _messages("the real one").encode(),
    })
    conversations, ctx = _read_untouched(archive)
    assert [m.text for c in conversations for m in c.messages] == ["the real one"]
    text = issues_text(ctx)
    assert "skipped zip entry '../messages.csv': it contains '..'" in text
    assert "skipped zip entry '/etc/Invitations.csv': it is an absolute path" in text
    assert "'..\\\\..\\\\Profile.csv'" in text
    assert not (tmp_path.parent / "messages.csv").exists()


def test_encrypted_entry_is_skipped(tmp_path):
    archive = zip_entries(tmp_path / "export.zip", {
        "messages.csv": _messages("secret").encode(),
        "Invitations.csv": INVITATIONS,
    })
    data = bytearray(archive.read_bytes())
    # Set the "encrypted" flag of the first entry in its local and central headers.
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 6] |= 0x01
    data[central + 8] |= 0x01
    archive.write_bytes(bytes(data))
    conversations, ctx = _read_untouched(archive)
    assert "skipped zip entry 'messages.csv': it is encrypted" in issues_text(ctx)
    assert {c.counterpart.name for c in conversations} == {"Vivian Kwok", "Liam Zhou",
                                                          "Tom Becker"}


def test_binary_garbage_named_messages_csv(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_bytes(os.urandom(5000) + b"\x00\x01\x02" * 100)
    (folder / "Invitations.csv").write_bytes(INVITATIONS)
    conversations, ctx = _read_untouched(folder / "messages.csv")
    assert "messages.csv: stopped reading: binary data, not text" in issues_text(ctx)
    conversations, ctx = read_all(folder, owner="Priya Raman")
    assert "binary data, not text" in issues_text(ctx)
    assert len(conversations) == 3  # the invitations still read


def test_binary_garbage_inside_a_zip(tmp_path):
    archive = zip_entries(tmp_path / "export.zip", {
        "messages.csv": bytes(range(256)) * 40,
        "Invitations.csv": INVITATIONS,
    })
    conversations, ctx = _read_untouched(archive)
    assert "export.zip:messages.csv: stopped reading: binary data, not text" in issues_text(ctx)
    assert len(conversations) == 3


def test_empty_messages_csv(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_bytes(b"")
    conversations, ctx = _read_untouched(folder / "messages.csv")
    conversations, ctx = read_all(folder, owner="Priya Raman")
    assert conversations == []
    assert issues_text(ctx).endswith("messages.csv: empty file")


def test_header_missing_is_named(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_text("id,who,when\n1,Ana,today\n")
    conversations, ctx = read_all(folder, owner="Priya Raman")
    assert conversations == []
    assert "no header row with the columns conversation id, from, date, content" in (
        issues_text(ctx))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_messages_csv(tmp_path, encoding):
    path = tmp_path / "messages.csv"
    path.write_bytes(_messages("Grüße aus München", "还好吗？").encode(encoding))
    conversations, ctx = _read_untouched(path)
    assert [m.text for m in conversations[0].messages] == ["Grüße aus München", "还好吗？"]
    assert conversations[0].counterpart.name == "Ana Müller"
    if encoding == "utf-16-le":  # no byte-order mark: guessed, and said so
        assert "read as UTF-16-LE" in issues_text(ctx)


def test_utf16_tab_separated_excel_save(tmp_path):
    rows = [line.split(",") for line in _messages("Danke schön").splitlines()]
    text = "\r\n".join("\t".join(r) for r in rows)
    path = tmp_path / "messages.csv"
    path.write_bytes(text.encode("utf-16"))
    conversations, _ = _read_untouched(path)
    assert conversations[0].messages[0].text == "Danke schön"


def test_latin1_bytes_are_read_with_a_warning(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_bytes(_messages("Schöne Grüße, café à 5 €").encode("cp1252"))
    conversations, ctx = _read_untouched(path)
    assert conversations[0].messages[0].text == "Schöne Grüße, café à 5 €"
    assert conversations[0].counterpart.name == "Ana Müller"
    assert "not valid UTF-8; read as Windows-1252" in issues_text(ctx)


def test_single_huge_line_is_skipped_not_a_crash(tmp_path):
    huge = message_row("A", ANA, OWNER, "2024-03-05 10:00:00 UTC", "x" * 3_000_000)
    text = _messages("before") + csv_text([huge]) + csv_text([
        message_row("A", OWNER, ANA, "2024-03-06 10:00:00 UTC", "after"),
    ])
    path = tmp_path / "messages.csv"
    path.write_text(text, encoding="utf-8")
    conversations, ctx = _read_untouched(path)
    assert [m.text for m in conversations[0].messages] == ["before", "after"]
    [issue] = ctx.issues
    assert issue.line == 3 and "line longer than 1000000 characters" in issue.message


def test_long_message_under_the_line_limit_is_truncated(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text(_messages("y" * 150_000), encoding="utf-8")
    conversations, ctx = _read_untouched(path)
    assert len(conversations[0].messages[0].text) == 100_000
    assert "truncated" in issues_text(ctx)


def test_folder_of_fixtures_untouched_by_zip_of_old_export(tmp_path):
    before = tree_digest(OLD_EXPORT)
    with zipfile.ZipFile(tmp_path / "old.zip", "w") as zf:
        zf.write(OLD_EXPORT / "messages.csv", "messages.csv")
    conversations, _ = read_all(tmp_path / "old.zip")
    assert len(conversations) == 3
    assert tree_digest(OLD_EXPORT) == before
