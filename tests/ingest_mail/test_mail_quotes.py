"""Quoted replies, HTML bodies and subjects: the parts of an e-mail the detectors must not
mistake for new text."""

from __future__ import annotations

from lurewatch.ingest.mail import _normal_subject, html_to_text, split_quoted


def test_inline_reply_keeps_answers_between_quotes() -> None:
    body = (
        "Hi Vivian,\n\n"
        "On Mon, 13 Mar 2023 at 18:40, Vivian K. <vivian.k@kestrelbridge-talent.com> wrote:\n"
        "> Could you describe the suppliers involved?\n"
        "No, that is internal.\n"
        "> And the timeline?\n"
        "It is on our public website.\n"
    )
    new, quoted = split_quoted(body)
    assert new == "Hi Vivian,\n\nNo, that is internal.\nIt is on our public website."
    assert quoted.splitlines() == [
        "On Mon, 13 Mar 2023 at 18:40, Vivian K. <vivian.k@kestrelbridge-talent.com> wrote:",
        "> Could you describe the suppliers involved?",
        "> And the timeline?",
    ]


def test_top_posted_reply_without_quote_marks_is_cut_at_the_attribution() -> None:
    new, quoted = split_quoted(
        "Sounds good.\n\nAm 13.03.2023 um 18:40 schrieb Vivian K. <v@kbt.example>:\n"
        "Can we talk on WeChat?\n"
    )
    assert new == "Sounds good." and quoted.endswith("Can we talk on WeChat?")


def test_outlook_header_block_and_chinese_header_block() -> None:
    new, quoted = split_quoted(
        "Thanks.\n\nFrom: Vivian K. <v@kbt.example>\nSent: Monday\nTo: Daniel\n\nold text\n")
    assert new == "Thanks." and quoted.startswith("From: Vivian K.")
    new, quoted = split_quoted("好的。\n\n发件人：张喆\n发送时间：2023年3月20日\n\n旧内容\n")
    assert new == "好的。" and quoted.endswith("旧内容")
    new, quoted = split_quoted("OK\n------------------ 原始邮件 ------------------\n旧内容")
    assert new == "OK" and quoted.endswith("旧内容")


def test_from_line_in_ordinary_text_is_not_a_quote() -> None:
    body = "From: the team at Northwind, welcome!\nWe look forward to meeting you."
    assert split_quoted(body) == (body, "")


def test_forwarded_message_stays_in_the_text() -> None:
    body = (
        "Daniel, see below from my client.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Mr Chen <chen@client.example>\nDate: Tue, 14 Mar 2023\nSubject: report\n\n"
        "We need the supplier list by Friday.\n"
    )
    new, quoted = split_quoted(body)
    assert "We need the supplier list by Friday." in new and quoted == ""


def test_html_blocks_lists_and_entities() -> None:
    text, scripts = html_to_text(
        "<div>Fee:&nbsp;<b>USD&nbsp;3,000</b></div><ul><li>report</li><li>meeting</li></ul>"
        "<p>Write to <a href='mailto:v@kbt.example'>me</a> or "
        "<a href='https://kbt.example'>https://kbt.example</a></p><script>alert(1)</script>"
        "<noscript>enable js</noscript>"
    )
    assert text.splitlines() == [
        "Fee: USD 3,000", "", "report", "meeting", "",
        "Write to me (v@kbt.example) or https://kbt.example"]
    assert scripts == 1


def test_unclosed_script_hides_the_rest() -> None:
    text, scripts = html_to_text("<p>Hello</p><script>steal(document.cookie)")
    assert text == "Hello" and scripts == 1


def test_subject_prefixes_are_removed() -> None:
    assert _normal_subject("AW: Re: 回复：Fwd: [EXT] Advisory  Project") == "advisory project"
    assert _normal_subject("RE[2]: Report") == "report"
    assert _normal_subject("Regarding the report") == "regarding the report"
