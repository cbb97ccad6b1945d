"""The LinkedIn reader on realistic exports: folder and zip, old and new columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from linkedin_helpers import (
    NEW_EXPORT,
    NEW_HEADER,
    OLD_EXPORT,
    OLD_HEADER,
    OWNER,
    by_id,
    csv_text,
    issues_text,
    message_row,
    read_all,
    tree_digest,
    zip_entries,
    zip_folder,
)

from lurewatch.ingest.base import InputError
from lurewatch.ingest.linkedin import READER, html_to_text, parse_invitation_date
from lurewatch.ingest.registry import detect_reader

VIVIAN = "linkedin:2-NzE0YjRhZGQtMWU3Yi00ZDEyLWE1YjItOWZiYjYwZTc5ZDQ1XzAxMA=="
TOM = "linkedin:2-ZjA5OGUyMmQtNDc1Zi00YzZmLWIwNjUtMzQ4NmI0YjY1ZmIyXzAxMA=="
PANEL = "linkedin:2-MzFkNjc4YWYtYjIyNC00OTc3LTljMmItYTQxOWM0NWIyODFjXzEwMA=="
SAM = "linkedin:2-OGJkMjA3ZDktNjJiNS00ZWUyLTk4YzMtNWYwZmE0MWNmMTE4XzAxMA=="
LIAM = "linkedin:invitation:linkedin.com/in/liam-zhou-csesr"


@pytest.fixture(scope="module")
def new_export() -> dict:
    before = tree_digest(NEW_EXPORT)
    conversations, ctx = read_all(NEW_EXPORT)
    assert tree_digest(NEW_EXPORT) == before  # nothing on disk altered
    return {"by_id": by_id(conversations), "list": conversations, "ctx": ctx}


def test_new_export_yields_each_conversation_once_with_owner_from_profile(new_export):
    convs = new_export["by_id"]
    assert len(new_export["list"]) == len(convs) == 6  # 5 threads + 1 standalone invitation
    assert {c.owner for c in convs.values()} == {"Priya Raman"}
    assert {c.format for c in convs.values()} == {"linkedin"}
    assert not new_export["ctx"].issues  # a clean export reads without warnings
    assert new_export["ctx"].conversations == 6


def test_messages_are_in_time_order_with_roles(new_export):
    tom = new_export["by_id"][TOM]
    assert [m.sender for m in tom.messages] == [
        "counterpart", "owner", "counterpart", "owner", "counterpart",
    ]
    stamps = [m.ts for m in tom.messages]
    assert stamps == sorted(stamps)
    assert stamps[0] == datetime(2025, 11, 3, 14, 20, 5, tzinfo=UTC)
    assert all(m.platform == "linkedin" for m in tom.messages)
    assert tom.messages[0].extra["subject"].startswith("Principal RF Engineer")


def test_attachment_only_message_has_empty_text_and_attachments(new_export):
    last = new_export["by_id"][TOM].messages[-1]
    assert last.text == ""
    assert last.extra["attachments"] == [
        "https://www.linkedin.com/dms/prv/image/v2/D4E06AQGx1bKp/Northvale_Benefits_Overview_2026.pdf"
    ]


def test_hostile_thread_invitation_first_draft_skipped_html_unescaped(new_export):
    viv = new_export["by_id"][VIVIAN]
    first = viv.messages[0]
    assert first.extra["kind"] == "invitation"
    assert first.sender == "counterpart"
    assert first.ts == datetime(2026, 1, 12, 9, 5, tzinfo=UTC)
    assert "confidential consulting engagement" in first.text
    # The owner's unsent draft is not part of the exchange.
    assert viv.extra["drafts_skipped"] == 1
    assert not any("not comfortable" in m.text for m in viv.messages)
    shift = next(m for m in viv.messages if "WeChat" in m.text)
    assert "<p>" not in shift.text and "&amp;" not in shift.text
    assert "files & the contract" in shift.text
    assert "vivian_kbt88 – or WhatsApp" in shift.text
    assert "+44 7700 900123 (https://wa.me/447700900123)" in shift.text


def test_connections_enrich_counterpart_and_identities(new_export):
    viv = new_export["by_id"][VIVIAN].counterpart
    assert viv.company == "Kestrel Bridge Talent"
    assert viv.headline == "Senior Talent Partner | APAC"
    assert viv.extra["connected_on"] == "2026-01-13"
    tom = new_export["by_id"][TOM]
    assert tom.counterpart.company == "Northvale Aerospace"
    assert tom.identities == {
        ("linkedin-url", "linkedin.com/in/tom-becker-northvale"),
        ("name", "tom becker"),
        ("email", "t.becker@northvale-aero.com"),
    }


def test_outgoing_invitation_note_is_merged_in_time_order(new_export):
    tom = new_export["by_id"][TOM]
    invite = next(m for m in tom.messages if m.extra.get("kind") == "invitation")
    assert invite.sender == "owner"
    assert tom.messages.index(invite) == 3  # after the Nov 4 messages, before Nov 10


def test_invitation_without_conversation_stands_alone_and_noteless_are_dropped(new_export):
    liam = new_export["by_id"][LIAM]
    assert [m.extra["kind"] for m in liam.messages] == ["invitation"]
    assert "paid expert workshop in Shanghai" in liam.messages[0].text
    assert liam.counterpart.name == "Liam Zhou"
    names = {c.counterpart.name for c in new_export["list"]}
    assert "Nadia Haddad" not in names and "Ben Carter" not in names


def test_group_thread_counterpart_is_first_other_sender(new_export):
    panel = new_export["by_id"][PANEL]
    assert panel.counterpart.name == "Elena Petrova"
    assert [p["name"] for p in panel.extra["participants"]] == ["Elena Petrova", "Marcus Lee"]
    assert panel.extra["title"] == "RF Summit 2026 - panel prep"
    marcus = panel.messages[1]
    assert (marcus.sender, marcus.sender_name) == ("counterpart", "Marcus Lee")
    # Embedded newlines in quoted fields survive.
    assert "Tuesday works for me.\nI'll share" in panel.messages[-1].text
    assert "\n\nThe programme" in panel.messages[0].text


def test_html_entity_in_plain_content(new_export):
    assert new_export["by_id"][SAM].messages[0].text.startswith("Hey Priya, it's been ages!")


def test_zip_reads_the_same_as_the_folder(tmp_path, new_export):
    archive = zip_folder(NEW_EXPORT, tmp_path / "Basic_LinkedInDataExport_02-21-2026.zip",
                         prefix="Basic_LinkedInDataExport_02-21-2026/")
    before = tree_digest(tmp_path)
    assert READER.sniff(archive) == pytest.approx(0.9)
    conversations, ctx = read_all(archive)
    assert tree_digest(tmp_path) == before  # nothing extracted or written
    assert not ctx.issues
    got = {c.id: [(m.sender, m.ts, m.text) for m in c.messages] for c in conversations}
    want = {c.id: [(m.sender, m.ts, m.text) for m in c.messages] for c in new_export["list"]}
    assert got == want


def test_old_columns_title_case_header_owner_inferred_with_warning():
    before = tree_digest(OLD_EXPORT)
    conversations, ctx = read_all(OLD_EXPORT)
    assert tree_digest(OLD_EXPORT) == before
    assert len(conversations) == 3
    assert {c.owner for c in conversations} == {"Daniel Roy"}
    assert "owner inferred as 'Daniel Roy'" in issues_text(ctx)
    alex = conversations[0]
    assert [m.sender for m in alex.messages] == ["counterpart", "owner", "counterpart"]
    assert "+44 7700 900456" in alex.messages[-1].text
    assert "attachments" not in alex.messages[0].extra
    # A conversation stored oldest-first stays oldest-first.
    omar = conversations[2]
    assert [m.sender for m in omar.messages] == ["counterpart", "owner"]


def test_owner_option_overrides_inference():
    conversations, ctx = read_all(OLD_EXPORT, owner="Daniel Roy")
    assert "inferred" not in issues_text(ctx)
    assert conversations[0].messages[1].sender == "owner"


def test_owner_option_that_never_appears_is_warned():
    conversations, ctx = read_all(OLD_EXPORT, owner="Someone Else")
    assert "'Someone Else' never appears in messages.csv" in issues_text(ctx)
    assert all(m.sender == "counterpart" for c in conversations for m in c.messages)


def test_profile_name_missing_from_messages_falls_back_to_inference(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_bytes((OLD_EXPORT / "messages.csv").read_bytes())
    (folder / "Profile.csv").write_text("First Name,Last Name\nDan,Roy-Old\n")
    conversations, ctx = read_all(folder)
    assert "from Profile.csv never appears" in issues_text(ctx)
    assert conversations[0].owner == "Daniel Roy"


def test_non_contiguous_conversation_is_one_conversation(tmp_path):
    ana = ("Ana Silva", "https://www.linkedin.com/in/ana-silva-pt")
    ken = ("Ken Ito", "https://www.linkedin.com/in/ken-ito-jp")
    rows = [
        NEW_HEADER,
        message_row("A", ana, OWNER, "2024-03-02 10:00:00 UTC", "Are you still at Helix?"),
        message_row("A", OWNER, ana, "2024-03-01 09:00:00 UTC", "Hi Ana, long time!"),
        message_row("B", ken, OWNER, "2024-03-05 08:00:00 UTC", "Slides attached for Monday."),
        message_row("A", ana, OWNER, "2024-02-28 16:30:00 UTC", "Hi Priya, saw your talk."),
        message_row("C", OWNER, ken, "2024-03-06 11:00:00 UTC", "Thanks Ken."),
    ]
    path = tmp_path / "messages.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    conversations, ctx = read_all(path, owner="Priya Raman")
    assert [c.id for c in conversations] == ["linkedin:B", "linkedin:C", "linkedin:A"]
    a = conversations[-1]
    assert [m.text for m in a.messages] == [
        "Hi Priya, saw your talk.", "Hi Ana, long time!", "Are you still at Helix?",
    ]
    assert [m.sender for m in a.messages] == ["counterpart", "owner", "counterpart"]
    # The owner wrote first in C and nobody answered: the recipient is the counterpart.
    assert conversations[1].counterpart.name == "Ken Ito"
    assert not ctx.issues


def test_missing_columns_warn_with_file_and_line_and_rest_is_read(tmp_path):
    ana = ("Ana Silva", "https://www.linkedin.com/in/ana-silva-pt")
    text = csv_text([
        NEW_HEADER,
        message_row("A", ana, OWNER, "2024-03-02 10:00:00 UTC", "First message"),
    ]) + "A,,Ana Silva,https://www.linkedin.com/in/ana-silva-pt,Priya Raman\r\n" + csv_text([
        message_row("A", OWNER, ana, "2024-03-03 10:00:00 UTC", "Reply"),
    ])
    path = tmp_path / "messages.csv"
    path.write_text(text, encoding="utf-8")
    conversations, ctx = read_all(path, owner="Priya Raman")
    assert [m.text for m in conversations[0].messages] == ["First message", "Reply"]
    [issue] = ctx.issues
    assert issue.path.endswith("messages.csv") and issue.line == 3
    assert "row has 5 of 13 columns" in issue.message
    assert ctx.skipped == 1


def test_new_columns_missing_at_row_end_are_filled(tmp_path):
    """An old-style row in a new-header file: trailing optional columns read as empty."""
    ana = ("Ana Silva", "https://www.linkedin.com/in/ana-silva-pt")
    row = message_row("A", ana, OWNER, "2024-03-02 10:00:00 UTC", "Hello")[:10]
    path = tmp_path / "messages.csv"
    path.write_text(csv_text([NEW_HEADER, row]), encoding="utf-8")
    conversations, ctx = read_all(path, owner="Priya Raman")
    assert conversations[0].messages[0].text == "Hello"
    assert not ctx.issues


def test_unreadable_date_is_warned_and_message_kept(tmp_path):
    ana = ("Ana Silva", "https://www.linkedin.com/in/ana-silva-pt")
    rows = [OLD_HEADER,
            message_row("A", ana, OWNER, "yesterday-ish", "Hello")[:10],
            message_row("A", OWNER, ana, "2024-03-03 10:00:00 UTC", "Hi")[:10]]
    path = tmp_path / "messages.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    conversations, ctx = read_all(path, owner="Priya Raman")
    assert len(conversations[0].messages) == 2
    assert "unreadable DATE 'yesterday-ish'" in issues_text(ctx)
    assert ctx.issues[0].line == 2


def test_conversation_of_drafts_only_is_not_a_conversation(tmp_path):
    ana = ("Ana Silva", "https://www.linkedin.com/in/ana-silva-pt")
    rows = [NEW_HEADER,
            message_row("D", OWNER, ana, "2024-03-03 10:00:00 UTC", "Unsent", draft=True),
            message_row("E", ana, OWNER, "2024-03-04 10:00:00 UTC", "Sent")]
    path = tmp_path / "messages.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    conversations, _ = read_all(path, owner="Priya Raman")
    assert [c.id for c in conversations] == ["linkedin:E"]


def test_accepted_note_repeated_in_messages_is_not_duplicated(tmp_path):
    viv = ("Vivian Kwok", "https://www.linkedin.com/in/vivian-kwok-kbt")
    note = "Hi Priya, exciting consulting role for a client. Happy to connect?"
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_text(csv_text([
        NEW_HEADER,
        message_row("V", viv, OWNER, "2026-01-13 08:00:00 UTC", "Thanks for accepting!"),
        message_row("V", viv, OWNER, "2026-01-12 09:05:00 UTC", note),
    ]))
    (folder / "Invitations.csv").write_text(csv_text([
        ["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl",
         "inviteeProfileUrl"],
        ["Vivian Kwok", "Priya Raman", "1/12/26, 9:05 AM", note, "INCOMING", "", ""],
    ]))
    conversations, _ = read_all(folder, owner="Priya Raman")
    [conv] = conversations
    assert [m.text for m in conv.messages] == [note, "Thanks for accepting!"]
    assert conv.messages[0].extra["kind"] == "invitation"


def test_invitations_only_export_infers_owner_from_receiving_side(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "Invitations.csv").write_bytes((NEW_EXPORT / "Invitations.csv").read_bytes())
    conversations, ctx = read_all(folder)
    assert {c.owner for c in conversations} == {"Priya Raman"}
    assert {c.counterpart.name for c in conversations} == {"Vivian Kwok", "Liam Zhou",
                                                          "Tom Becker"}
    assert "owner inferred as 'Priya Raman'" in issues_text(ctx)


def test_sniff_and_registry():
    assert READER.sniff(NEW_EXPORT) == pytest.approx(0.9)
    assert READER.sniff(NEW_EXPORT / "messages.csv") == pytest.approx(0.8)
    assert READER.sniff(NEW_EXPORT / "Connections.csv") == 0.0
    assert READER.sniff(NEW_EXPORT.parent / "does-not-exist") == 0.0
    assert detect_reader(NEW_EXPORT) is READER


def test_sniff_finds_export_in_a_subfolder(tmp_path):
    inner = tmp_path / "downloads" / "Complete_LinkedInDataExport"
    inner.mkdir(parents=True)
    (inner / "MESSAGES.CSV").write_bytes((OLD_EXPORT / "messages.csv").read_bytes())
    assert READER.sniff(tmp_path / "downloads") == pytest.approx(0.9)
    conversations, _ = read_all(tmp_path / "downloads")
    assert len(conversations) == 3


def test_folder_without_export_files_is_an_input_error(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    assert READER.sniff(tmp_path) == 0.0
    with pytest.raises(InputError, match="not a LinkedIn export"):
        read_all(tmp_path)


def test_invitation_dates():
    assert parse_invitation_date("1/29/26, 2:37 PM") == datetime(2026, 1, 29, 14, 37, tzinfo=UTC)
    assert parse_invitation_date("12/3/25, 12:05\u202fAM") == datetime(2025, 12, 3, 0, 5,
                                                                       tzinfo=UTC)
    assert parse_invitation_date("soon") is None


def test_html_to_text_keeps_plain_angle_brackets():
    assert html_to_text("Replace <your name> and 3 < 5") == "Replace <your name> and 3 < 5"
    assert html_to_text("<div>Hi<br/>there</div><style>p{}</style>") == "Hi\nthere"



def test_other_zips_are_not_claimed(tmp_path):
    chat = b"[31/12/2023, 21:41:07] Li Wei: Happy new year!\n"
    archive = zip_entries(tmp_path / "WhatsApp Chat - Li Wei.zip", {"_chat.txt": chat})
    assert READER.sniff(archive) == 0.0
    with pytest.raises(InputError, match="not a LinkedIn export"):
        read_all(archive)
