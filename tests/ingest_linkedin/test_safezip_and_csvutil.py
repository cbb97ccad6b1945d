"""The shared safe-zip and export-CSV helpers on their own."""

from __future__ import annotations

import codecs
import io
import struct

import pytest
from linkedin_helpers import NEW_EXPORT, tree_digest, zip_entries

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.csvutil import MAX_WARNINGS_PER_FILE, read_rows
from lurewatch.ingest.safezip import (
    EntryError,
    SafeZip,
    detect_encoding,
    is_zip,
    unsafe_name_reason,
)

# --- safezip ------------------------------------------------------------------------------


def test_find_is_case_insensitive_shallowest_and_ignores_macos_forks(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {
        "__MACOSX/export/messages.csv": b"junk",
        "export/deeper/messages.csv": b"deep",
        "export/MESSAGES.CSV": b"shallow",
    })
    with SafeZip(archive) as z:
        assert z.find("messages.csv") == "export/MESSAGES.CSV"
        assert z.find("Invitations.csv") is None
        assert z.open_text("export/MESSAGES.CSV").read() == "shallow"


def test_open_text_detects_bom_and_utf16(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {
        "bom.csv": codecs.BOM_UTF8 + "Größe".encode(),
        "u16.txt": "[31/12/2023, 21:41:07] Li Wei: 你好".encode("utf-16"),
    })
    with SafeZip(archive) as z:
        assert z.open_text("bom.csv").read() == "Größe"
        assert z.open_text("u16.txt").read() == "[31/12/2023, 21:41:07] Li Wei: 你好"


def test_too_many_entries_is_refused(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {f"media/IMG_{i:04}.jpg": b"x" for i in range(12)})
    with pytest.raises(InputError, match="12 entries"):
        SafeZip(archive, max_entries=10)


def test_declared_size_over_entry_limit_is_refused(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {"messages.csv": b"a" * 5000})
    with SafeZip(archive, max_entry_bytes=1000) as z, pytest.raises(EntryError, match="declares"):
        z.open_binary("messages.csv")


def test_total_limit_counts_what_is_streamed(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {"a.csv": b"a" * 800, "b.csv": b"b" * 800})
    with SafeZip(archive, max_total_bytes=1000) as z:
        assert len(z.open_binary("a.csv").read()) == 800
        with pytest.raises(EntryError, match="in total"):
            z.open_binary("b.csv").read()


def test_lying_size_header_cannot_smuggle_more_data(tmp_path):
    """An entry claiming 10 bytes but holding 100 KB: reading stops, the entry is rejected."""
    archive = zip_entries(tmp_path / "a.zip", {"messages.csv": b"CONVERSATION ID," * 6400})
    data = bytearray(archive.read_bytes())
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, 10)
    struct.pack_into("<I", data, central + 24, 10)
    archive.write_bytes(bytes(data))
    with SafeZip(archive) as z:
        assert z.size("messages.csv") == 10
        with pytest.raises(EntryError, match="damaged zip entry"):
            z.open_binary("messages.csv").read()


def test_is_zip_and_garbage(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {"x": b"y"})
    garbage = tmp_path / "b.zip"
    garbage.write_bytes(b"this is not a zip at all")
    assert is_zip(archive) and not is_zip(garbage) and not is_zip(tmp_path / "missing.zip")
    with pytest.raises(InputError, match=r"^not a readable zip archive: "):
        SafeZip(garbage)


def test_unsafe_names():
    assert unsafe_name_reason("export/messages.csv") is None
    assert unsafe_name_reason("export/..hidden/messages.csv") is None
    assert unsafe_name_reason("a/../../b") == "contains '..'"
    assert unsafe_name_reason("C:/Windows/x") == "is an absolute path"
    assert unsafe_name_reason("\\\\server\\share") == "is an absolute path"


def test_detect_encoding():
    assert detect_encoding(b"plain ascii") == ("utf-8", None)
    assert detect_encoding(codecs.BOM_UTF8 + b"x") == ("utf-8-sig", None)
    assert detect_encoding("héllo".encode("utf-16-be"))[0] == "utf-16-be"
    assert detect_encoding("caf\xe9".encode("latin-1"))[0] == "cp1252"
    with pytest.raises(EntryError, match="binary"):
        detect_encoding(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01")


def test_reading_never_writes(tmp_path):
    archive = zip_entries(tmp_path / "a.zip", {"../../escape.csv": b"x", "ok.csv": b"y"})
    before = tree_digest(tmp_path)
    ctx = ReadContext(str(archive))
    with SafeZip(archive, ctx) as z:
        assert z.names() == ["ok.csv"]
        assert z.open_text("ok.csv").read() == "y"
    assert tree_digest(tmp_path) == before
    assert ctx.skipped == 1


# --- csvutil ------------------------------------------------------------------------------


def _rows(text: str, required=("first name", "last name"), **kw):
    ctx = ReadContext("test.csv")
    rows = list(read_rows(io.StringIO(text, newline=""), "test.csv", ctx, required, **kw))
    return rows, ctx


def test_preamble_is_skipped_to_the_header():
    with (NEW_EXPORT / "Connections.csv").open(encoding="utf-8-sig", newline="") as f:
        text = f.read()
    rows, ctx = _rows(text)
    assert rows[0]["first name"] == "Vivian"
    assert rows[0]["position"] == "Senior Talent Partner | APAC"
    assert rows[0].line == 5  # Notes:, the quoted note, a blank line, the header
    assert not ctx.issues


def test_header_case_stray_bom_and_embedded_newlines_keep_line_numbers():
    text = '\ufeffFIRST NAME,Last name,Note\r\nAna,Silva,"two\r\nlines"\r\nKen,Ito,one\r\n'
    rows, _ = _rows(text)
    assert [(r.line, r["first name"], r["note"]) for r in rows] == [
        (2, "Ana", "two\r\nlines"), (4, "Ken", "one"),
    ]


def test_short_rows_fill_optional_and_skip_when_required_missing():
    text = "First Name,Last Name,Company\nAna,Silva\nKen\nLi,Wei,Orbitline\n"
    rows, ctx = _rows(text)
    assert [(r["first name"], r["company"]) for r in rows] == [("Ana", ""), ("Li", "Orbitline")]
    [issue] = ctx.issues
    assert (issue.path, issue.line) == ("test.csv", 3)
    assert "row has 1 of 3 columns (no 'last name'); skipped" in issue.message


def test_warnings_are_capped_per_file():
    text = "First Name,Last Name\n" + "x\n" * (MAX_WARNINGS_PER_FILE + 30)
    rows, ctx = _rows(text)
    assert rows == []
    assert len(ctx.issues) == MAX_WARNINGS_PER_FILE + 1
    assert ctx.issues[-1].message == "30 more problems in this file not listed"
    assert ctx.skipped == MAX_WARNINGS_PER_FILE + 30


def test_field_spanning_many_lines_over_the_limit_is_a_warning():
    text = 'First Name,Last Name\nAna,"' + "long line\n" * 50 + '"\nKen,Ito\n'
    rows, ctx = _rows(text, max_line_chars=100)
    assert "unreadable CSV record: field larger than field limit (100)" in str(ctx.issues[0])
    assert ctx.issues[0].line == 2
    assert all(len(v) <= 100 for r in rows for v in r.values.values())


def test_header_not_found():
    rows, ctx = _rows("a,b\n1,2\n")
    assert rows == []
    assert "no header row with the columns first name, last name found" in str(ctx.issues[0])



def test_repeated_header_name_keeps_the_first_column():
    rows, _ = _rows("First Name,Last Name,Note,NOTE\nAna,Silva,first,second\n")
    assert rows[0]["note"] == "first"
