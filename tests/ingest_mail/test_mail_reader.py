"""The e-mail reader on realistic .eml files, a folder of them, and mbox mailboxes."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lurewatch.ingest.base import InputError, ReadContext
from lurewatch.ingest.mail import READER
from lurewatch.model import Conversation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "email"
OWNER = "daniel.roy@example.org"


def read(path: Path, owner: str | None = None) -> tuple[list[Conversation], ReadContext]:
    ctx = ReadContext(str(path), owner=owner)
    return list(READER.read(path, ctx)), ctx


def issues(ctx: ReadContext) -> list[str]:
    return [str(i) for i in ctx.issues]


# -- single messages ---------------------------------------------------------------------


def test_hostile_follow_up_keeps_new_text_and_sets_quote_apart() -> None:
    [conv], ctx = read(FIXTURES / "hostile_followup.eml")
    [msg] = conv.messages
    assert conv.format == "email" and msg.platform == "email"
    assert msg.sender == "counterpart" and msg.sender_name == "Vivian K."
    assert "short report (5-8 pages)" in msg.text and "my clients" in msg.text
    assert "moving our conversation here from LinkedIn – e-mail" in msg.text  # QP + UTF-8
    # The signature stays: the indicator extractor reads companies and handles from it.
    assert "Kestrel Bridge Talent Ltd." in msg.text and "WeChat: vivian_kbt88" in msg.text
    assert "What would the project involve?" not in msg.text
    assert "What would the project involve?" in msg.extra["quoted"]
    assert msg.extra["quoted"].startswith("On Mon, 13 Mar 2023 at 18:40, Daniel Roy")
    assert msg.extra["attachments"] == ["Advisory_Terms_2023.pdf"]
    assert msg.ts == datetime(2023, 3, 14, 1, 12, 33, tzinfo=UTC)
    assert conv.counterpart is not None and conv.counterpart.name == "Vivian K."
    assert ("email", "vivian.k@kestrelbridge-talent.com") in conv.identities
    assert ("name", "vivian k.") in conv.identities
    assert conv.owner == "Daniel Roy" and conv.extra["owner_address"] == OWNER
    # A single message: the owner is its To address, and the reader says it guessed.
    assert any("owner not given" in i and OWNER in i for i in issues(ctx))
    assert ctx.conversations == 1 and ctx.messages == 1


def test_html_only_mail_drops_script_and_keeps_link_targets() -> None:
    [conv], _ = read(FIXTURES / "html_only_script.eml")
    [msg] = conv.messages
    assert msg.extra["html"] is True and msg.extra["html_scripts"] == 1
    assert "document.cookie" not in msg.text and "kbt-collect" not in msg.text
    assert "font-family" not in msg.text and "Kestrel Bridge" not in msg.text  # style, title
    assert "Your résumé review is ready" in msg.text  # latin-1 QP
    assert "secure client portal (https://kbt-docs.example/portal/login?u=droy)" in msg.text
    assert "work laptop" in msg.text
    assert "Where do I send my CV?" not in msg.text
    assert "> Where do I send my CV?" in msg.extra["quoted"]
    assert msg.extra["subject"] == "Your résumé review is ready"
    assert msg.ts == datetime(2023, 3, 17, 3, 5, tzinfo=UTC)


def test_chinese_mail_with_encoded_headers_and_gbk_body() -> None:
    [conv], _ = read(FIXTURES / "chinese_gb2312.eml")
    [msg] = conv.messages
    # "喆" is not in GB2312: the header and body are decoded with the GB18030 superset.
    assert msg.sender_name == "张喆" and conv.counterpart is not None
    assert conv.counterpart.name == "张喆"
    assert msg.extra["subject"] == "回复: 关于能源政策研究的合作"
    assert "报酬为五千美元" in msg.text and "微信：zhangzhe_hx" in msg.text
    assert "发件人" not in msg.text
    assert msg.extra["quoted"].startswith("发件人: Daniel Roy")
    assert "what kind of report" in msg.extra["quoted"]
    assert msg.extra["attachments"] == ["报告提纲.docx"]  # RFC 2231 file name
    assert conv.owner == "丹尼尔"


def test_big5_invitation_is_decoded() -> None:
    [conv], _ = read(FIXTURES / "big5_invitation.eml")
    [msg] = conv.messages
    assert msg.extra["subject"] == "邀請：亞太能源轉型論壇 2023 與談人"
    assert "亞太能源轉型論壇" in msg.text and "機票與兩晚住宿" in msg.text
    assert conv.counterpart is not None and conv.counterpart.name == "林怡君"


# -- mbox ---------------------------------------------------------------------------------


def test_mbox_threads_by_references_and_by_subject() -> None:
    convs, ctx = read(FIXTURES / "mailbox.mbox")
    by_counterpart = {c.counterpart.name: c for c in convs if c.counterpart}
    assert len(convs) == 3
    assert set(by_counterpart) == {"Vivian K.", "Priya Natarajan",
                                   "Atlas Expert Network Compliance"}

    hostile = by_counterpart["Vivian K."]
    assert [m.sender for m in hostile.messages] == ["counterpart", "owner", "counterpart"]
    times = [m.ts for m in hostile.messages]
    assert times == sorted(times)  # type: ignore[type-var]
    assert hostile.id == "email:a81b2c.kbt.0302@kestrelbridge-talent.com"
    reply = hostile.messages[1]
    assert reply.text.endswith("What would the project involve?\n\nDaniel")
    assert "It was great to connect" in reply.extra["quoted"]  # wrapped "... wrote:" line
    follow_up = hostile.messages[2]
    assert "Please keep this between us" in follow_up.text
    assert "Original Message" not in follow_up.text
    assert follow_up.extra["quoted"].startswith("-----Original Message-----")

    # Daniel's client dropped In-Reply-To: joined by subject ("RE:") and the same party.
    recruiter = by_counterpart["Priya Natarajan"]
    assert [m.sender for m in recruiter.messages] == ["counterpart", "owner"]
    assert "requisition ID REQ-2023-04417" in recruiter.messages[0].text
    # mboxrd escaped a body line starting with "From "; it is restored, not a quote.
    assert "\nFrom the outset I should say" in recruiter.messages[0].text
    assert "Thursday afternoon" in recruiter.messages[1].text
    assert "Dear Daniel" not in recruiter.messages[1].text
    assert recruiter.messages[1].extra["quoted"].startswith("_____")

    network = by_counterpart["Atlas Expert Network Compliance"]
    assert "not disclose any confidential information" in network.messages[0].text
    assert any("the address in the most messages" in i for i in issues(ctx))
    assert ctx.skipped == 0


def test_owner_given_by_name_or_address_is_used_without_warning() -> None:
    for owner in ("Daniel Roy", "Daniel.Roy@example.org"):
        convs, ctx = read(FIXTURES / "mailbox.mbox", owner=owner)
        assert not [i for i in issues(ctx) if "owner" in i]
        senders = {m.sender_name: m.sender for c in convs for m in c.messages}
        assert senders["Daniel Roy"] == "owner" and senders["Vivian K."] == "counterpart"


def test_owner_name_that_matches_nobody_is_reported_and_inferred() -> None:
    convs, ctx = read(FIXTURES / "mailbox.mbox", owner="Someone Else")
    assert any("matches no sender" in i for i in issues(ctx))
    assert convs[0].extra["owner_address"] == OWNER


def test_truncated_mbox_reports_each_broken_message_and_reads_the_rest() -> None:
    path = FIXTURES / "truncated.mbox"
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    [conv], ctx = read(path)
    assert [m.ts.day for m in conv.messages if m.ts] == [2, 14]
    assert "USD 3,000" in conv.messages[1].text
    assert conv.messages[1].extra["attachments"] == ["Itinerary.pdf"]
    found = issues(ctx)
    assert any(i.endswith("truncated.mbox:12: message 2 has no e-mail headers; skipped")
               for i in found)
    assert any(":39: message 4 is cut off inside its headers" in i for i in found)
    assert any(":16: message 3: the message body is cut off" in i for i in found)
    assert ctx.skipped == 2
    # Vivian and Daniel are both in every message; only Daniel received mail.
    assert conv.extra["owner_address"] == OWNER
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # nothing altered


PEAK_OF_READING = """
import sys, tracemalloc
from pathlib import Path
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.mail import READER
tracemalloc.start()
count = 0
for conv in READER.read(Path(sys.argv[1]), ReadContext(sys.argv[1])):
    count += len(conv.messages)
    del conv
print(count, tracemalloc.get_traced_memory()[1])
"""


def test_large_mbox_is_read_with_memory_well_under_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.mbox"
    # 30 KB bodies in long paragraph lines, as plain-text mail clients send them.
    body = ("Quarterly figures attached, please review before the call. " * 17 + "\n") * 30
    with path.open("w") as f:
        for n in range(150):
            f.write(
                f"From sender{n % 7}@example.com Mon Jan  2 10:00:00 2023\n"
                f"From: Sender {n % 7} <sender{n % 7}@example.com>\n"
                f"To: Daniel Roy <{OWNER}>\n"
                f"Subject: Report {n}\n"
                f"Date: Mon, 02 Jan 2023 10:{n % 60:02d}:00 +0000\n"
                f"Message-ID: <m{n}@example.com>\n\n{body}\n"
            )
    size = path.stat().st_size
    assert size > 4_000_000
    # Measured in a child process: tracemalloc counts every thread's allocations, and a full
    # test run leaves other threads (servers, pools) allocating beside this one.
    child = subprocess.run([sys.executable, "-c", PEAK_OF_READING, str(path)],
                           capture_output=True, text=True, check=True)
    count, peak = map(int, child.stdout.split())
    assert count == 150
    assert peak < size / 8


# -- folders ------------------------------------------------------------------------------


def test_folder_of_eml_files_is_sniffed_and_read(tmp_path: Path) -> None:
    folder = tmp_path / "Saved mail"
    (folder / "2023").mkdir(parents=True)
    for name in ("hostile_followup.eml", "chinese_gb2312.eml", "html_only_script.eml"):
        shutil.copy(FIXTURES / name, folder / "2023" / name)
    shutil.copy(FIXTURES / "not_an_email.eml", folder / "shopping.eml")
    (folder / "garbage.eml").write_bytes(random.Random(7).randbytes(4096))
    (folder / "notes.txt").write_text("not mail")
    assert READER.sniff(folder) >= 0.9
    assert READER.sniff(tmp_path / "Saved mail" / "2023") >= 0.9
    convs, ctx = read(folder)
    assert len(convs) == 3
    assert {c.counterpart.name for c in convs if c.counterpart} == {
        "Vivian K.", "张喆", "Kestrel Bridge Talent"}
    found = issues(ctx)
    assert any("shopping.eml: not an e-mail message" in i for i in found)
    assert any("garbage.eml: binary data" in i for i in found)
    assert ctx.skipped == 2
    assert all(c.extra["owner_address"] == OWNER for c in convs)


def test_folder_without_mail_is_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "messages.csv").write_text("CONVERSATION ID,FROM\n")
    assert READER.sniff(tmp_path) == 0.0
    with pytest.raises(InputError, match=r"no \.eml or \.mbox files"):
        read(tmp_path)


# -- not e-mail ---------------------------------------------------------------------------


def test_sniff_scores() -> None:
    assert READER.sniff(FIXTURES / "mailbox.mbox") >= 0.9
    assert READER.sniff(FIXTURES / "hostile_followup.eml") >= 0.9
    # Claimed only weakly, so the person is told why it cannot be read.
    assert 0.3 <= READER.sniff(FIXTURES / "not_an_email.eml") < 0.5
    assert READER.sniff(Path(__file__)) == 0.0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("not_an_email.eml", None, "not an e-mail message"),
        ("not_an.mbox", None, "not an mbox"),
        ("empty.eml", b"", "the file is empty"),
        ("garbage.eml", random.Random(3).randbytes(2048), "binary data"),
        ("garbage.mbox", b"From x\n" + bytes(range(256)) * 8, "binary data"),
        ("headless.mbox", b"From someone Mon Jan  2 10:00:00 2023\njust text\n",
         "no readable e-mail messages"),
    ],
)
def test_unreadable_input_is_one_line_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = FIXTURES / name if content is None else tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read(path)
    text = str(caught.value)  # the runner puts the path in front
    assert text.startswith(message) and "\n" not in text


def _mail(sender: str, to: str, n: int, extra: str = "") -> str:
    return (f"From: {sender}\nTo: {to}\nSubject: Re: CV for the analyst role\n"
            f"Date: Wed, 04 Feb 2026 1{n}:00:00 -0500\nMessage-ID: <m{n}@x.example>\n{extra}\n"
            f"Message {n}.\n")


def test_owner_guess_uses_delivered_to_then_the_busier_sender(tmp_path: Path) -> None:
    daniel, priya = "Daniel Roy <daniel@example.net>", "Priya Nair <priya@northwind.example>"
    folder = tmp_path / "thread"
    folder.mkdir()
    (folder / "1.eml").write_text(_mail(daniel, priya, 1))
    (folder / "2.eml").write_text(_mail(priya, daniel, 2))
    (folder / "3.eml").write_text(_mail(daniel, priya, 3))
    # Both addresses are in every message and both received mail: the one who wrote more
    # (the person who saved their own replies) is taken as the owner.
    [conv], _ = read(folder)
    assert [m.sender for m in conv.messages] == ["owner", "counterpart", "owner"]
    assert conv.extra["owner_address"] == "daniel@example.net"
    # A Delivered-To header names the mailbox, and wins.
    delivered = "Delivered-To: priya@northwind.example\n"
    (folder / "2.eml").write_text(_mail(priya, daniel, 2, delivered))
    [conv], ctx = read(folder)
    assert conv.extra["owner_address"] == "priya@northwind.example"
    assert any("the Delivered-To address" in i for i in issues(ctx))


_TIE_PROBE = """
import json, sys
from pathlib import Path
from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.mail import READER
[conv] = READER.read(Path({folder!r}), ReadContext({folder!r}))
print(json.dumps([conv.extra["owner_address"], [m.sender for m in conv.messages]]))
"""


def test_owner_guess_on_a_tie_is_the_same_in_every_run(tmp_path: Path,
                                                        stdout_under_hash_seeds) -> None:
    """A saved exchange of one message each way: both addresses are in both messages, both
    received and both sent one. The guess must not follow the order of a set (which Python
    changes from run to run): it goes to the recipient of the earliest message."""
    daniel, priya = "Daniel Roy <daniel@example.net>", "Priya Nair <priya@northwind.example>"
    folder = tmp_path / "exchange"
    folder.mkdir()
    (folder / "a.eml").write_text(_mail(daniel, priya, 2))  # the reply, first in the folder
    (folder / "b.eml").write_text(_mail(priya, daniel, 1))  # the approach, an hour earlier
    outcomes = stdout_under_hash_seeds(["-c", _TIE_PROBE.format(folder=str(folder))])
    assert len(outcomes) == 1, outcomes
    owner, senders = json.loads(outcomes.pop())
    assert owner == "daniel@example.net"
    assert senders == ["counterpart", "owner"]
