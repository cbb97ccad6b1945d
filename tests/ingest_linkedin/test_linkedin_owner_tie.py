"""Whose export is it, when two names take part in the same number of conversations and
write as often (an export of one conversation)? The guess must not depend on the order of a
set, which Python changes from run to run: it prefers the name that is not among the
export's connections, then the name seen first in the file, and says it was a guess."""

from __future__ import annotations

import json
from pathlib import Path

from linkedin_helpers import NEW_HEADER, csv_text, issues_text, message_row, read_all

HUANG = ("Wei Huang", "https://www.linkedin.com/in/wei-huang-77")
MOREAU = ("Claire Moreau", "https://www.linkedin.com/in/claire-moreau-sec")
CONNECTIONS = (
    "Notes:\n\"When exporting your connection data, you may notice that some of the email "
    "addresses are missing.\"\n\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
)


def _one_conversation(folder: Path, connections: list[str] | None = None) -> Path:
    """Newest first, as LinkedIn writes it: two messages each, so the two names tie."""
    folder.mkdir()
    rows = [NEW_HEADER,
            message_row("2-Yzk1", HUANG, MOREAU, "2026-03-04 09:12:40 UTC",
                        "Thank you Claire. Would Thursday at 10 work for a short call?"),
            message_row("2-Yzk1", MOREAU, HUANG, "2026-03-03 17:55:02 UTC",
                        "Happy to talk about the panel, as long as it is on the record."),
            message_row("2-Yzk1", HUANG, MOREAU, "2026-03-03 08:30:11 UTC",
                        "Dear Ms Moreau, I organise the Lyon energy security forum in May."),
            message_row("2-Yzk1", MOREAU, HUANG, "2026-03-02 21:03:59 UTC",
                        "Hello, we met briefly in Brussels last year.")]
    (folder / "messages.csv").write_text(csv_text(rows), "utf-8")
    if connections is not None:
        (folder / "Connections.csv").write_text(CONNECTIONS + "".join(
            f"{line}\n" for line in connections), "utf-8")
    return folder


_PROBE = """
import json, sys
sys.path.insert(0, {helpers!r})
from linkedin_helpers import read_all
from pathlib import Path
conversations, ctx = read_all(Path({path!r}))
print(json.dumps([conversations[0].owner, [m.sender for m in conversations[0].messages]]))
"""


def test_a_tie_is_broken_the_same_way_in_every_run(tmp_path: Path,
                                                   stdout_under_hash_seeds) -> None:
    export = _one_conversation(tmp_path / "export")
    helpers = str(Path(__file__).resolve().parent)
    outcomes = stdout_under_hash_seeds(["-c", _PROBE.format(helpers=helpers, path=str(export))])
    assert len(outcomes) == 1, outcomes
    owner, senders = json.loads(outcomes.pop())
    assert owner == "Wei Huang"  # no connections to go by: the first name in the file
    assert senders == ["counterpart", "owner", "counterpart", "owner"]


def test_a_tie_goes_to_the_name_that_is_not_a_connection(tmp_path: Path) -> None:
    export = _one_conversation(tmp_path / "export", connections=[
        "Wei,Huang,https://www.linkedin.com/in/wei-huang-77,,Forum Rhône Énergie,Director,"
        "01 Mar 2026"])
    conversations, ctx = read_all(export)
    assert conversations[0].owner == "Claire Moreau"
    assert [m.sender for m in conversations[0].messages] == [
        "owner", "counterpart", "owner", "counterpart"]
    text = issues_text(ctx)
    assert "owner guessed between names that take part equally ('Wei Huang' too)" in text
    assert "use --owner NAME" in text


def test_no_tie_no_guess_warning(tmp_path: Path) -> None:
    export = _one_conversation(tmp_path / "export")
    extra = csv_text([message_row("2-Qm9v", MOREAU, ("Tom Becker", ""),
                                  "2026-02-11 10:00:00 UTC", "Tom, see you at the seminar.")])
    with (export / "messages.csv").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    conversations, ctx = read_all(export)
    assert {c.owner for c in conversations} == {"Claire Moreau"}  # in both conversations
    assert "guessed between" not in issues_text(ctx)


def test_owner_given_is_never_second_guessed(tmp_path: Path) -> None:
    export = _one_conversation(tmp_path / "export")
    conversations, ctx = read_all(export, owner="Claire Moreau")
    assert conversations[0].owner == "Claire Moreau"
    assert "guessed" not in issues_text(ctx) and "inferred" not in issues_text(ctx)
