"""messages.csv is parsed once (the first pass keeps its rows): conversations and problems
must be exactly what reading the file a second time gives, problems in the same order."""

from __future__ import annotations

import pytest
from linkedin_helpers import NEW_EXPORT, NEW_HEADER, OWNER, csv_text, message_row, read_all

from lurewatch.ingest import linkedin

ANA = ("Ana Müller", "https://www.linkedin.com/in/ana-mueller-de")
BEN = ("Ben Ho", "https://www.linkedin.com/in/ben-ho")


def _damaged_export(tmp_path):
    rows = [NEW_HEADER,
            message_row("A", ANA, OWNER, "2024-03-02 10:00:00 UTC", "Would you write a report?"),
            message_row("A", OWNER, ANA, "not a date", "Maybe, what is it about?"),
            ["", "", "Nobody", "", "", "", "2024-03-03 10:00:00 UTC", "", "no id", "INBOX"],
            message_row("B", BEN, OWNER, "2024-03-04 10:00:00 UTC", "Hi, quick question"),
            ["B", "", "Ben Ho"],  # too short to reach CONTENT
            message_row("A", ANA, OWNER, "2024-03-05 10:00:00 UTC", "Split: back to Ana"),
            message_row("B", BEN, OWNER, "2024-03-06 10:00:00 UTC", "x" * 60_000),
            message_row("C", ANA, OWNER, "2024-03-07 10:00:00 utc", "<p>html &amp; co</p>",
                        draft=True),
            message_row("C", ANA, OWNER, "2024-03-08T10:00:00Z", "Last one")]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_text(csv_text(rows), "utf-8")
    (folder / "Profile.csv").write_text("First Name,Last Name\nPriya,Raman\n", "utf-8")
    return folder


def _as_data(conversations):
    return [(c.id, c.owner, c.counterpart, [(m.sender, m.text, m.ts, m.sender_name, m.extra)
                                            for m in c.messages], c.identities, c.extra)
            for c in conversations]


@pytest.mark.parametrize("make", [_damaged_export, lambda _: NEW_EXPORT])
def test_one_parse_reads_what_two_parses_read(tmp_path, monkeypatch, make) -> None:
    export = make(tmp_path)
    once, ctx_once = read_all(export)
    monkeypatch.setattr(linkedin, "MAX_KEPT_ROWS", 0)  # too big to keep: read twice
    twice, ctx_twice = read_all(export)
    assert _as_data(once) == _as_data(twice)
    assert [str(i) for i in ctx_once.issues] == [str(i) for i in ctx_twice.issues]
    assert (ctx_once.skipped, ctx_once.conversations, ctx_once.messages) == (
        ctx_twice.skipped, ctx_twice.conversations, ctx_twice.messages)
    if export != NEW_EXPORT:
        assert ctx_once.skipped >= 2 and any("DATE" in str(i) for i in ctx_once.issues)
        assert {c.id for c in once} == {"linkedin:A", "linkedin:B", "linkedin:C"}
