"""The terminal summary table and the progress display."""

from __future__ import annotations

import io

from report_html_probe import sample_report
from rich.console import Console

from lurewatch.report.terminal import print_summary, scan_progress


def rendered(report: dict, min_level: str = "low") -> str:
    console = Console(record=True, width=220, file=io.StringIO(), color_system=None)
    print_summary(report, console, min_level=min_level)
    return console.export_text()


def row(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(start))


def test_table_lists_every_conversation_riskiest_first() -> None:
    text = rendered(sample_report())
    names = ["Vivian K. (LinkedIn", "Vivian Kwok", "Mark Chen:", "Meridian Expert", "Sarah Okafor"]
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)
    first = row(text, "Vivian K. (LinkedIn")
    for cell in ("Vivian K. (Kestrel Bridge", "LinkedIn → WeChat", "high", "0.93",
                 "msg 3", "secrecy, tasking_for_payment, escalation_sensitive"):
        assert cell in first, cell
    medium = row(text, "Mark Chen:")
    assert "medium" in medium and "0.58" in medium and "LinkedIn → WhatsApp" in medium
    low = row(text, "Sarah Okafor")
    assert " low " in low and "0.06" in low and " - " in low
    assert "compliance_safeguards (mitigating)" in text
    assert "warning: liang_inbox.mbox message 14" in text  # the message names its file
    assert "5 conversations from 3 inputs: 2 high, 1 medium, 2 low; 1 skipped" in text
    assert "tell your security officer" in text


def test_min_level_hides_quieter_rows_and_says_so() -> None:
    text = rendered(sample_report(), min_level="medium")
    assert "Mark Chen:" in text and "Vivian Kwok" in text
    assert "Sarah Okafor" not in text and "Meridian" not in text
    assert "(2 below the display level not listed)" in text
    only_high = rendered(sample_report(), min_level="high")
    assert "Mark Chen:" not in only_high and "(3 below" in only_high


def test_quiet_report_gives_no_advice_and_no_empty_table() -> None:
    report = sample_report()
    report["conversations"] = [c for c in report["conversations"] if c["level"] == "low"]
    text = rendered(report, min_level="medium")
    assert "lurewatch scan" not in text  # no table at all
    assert "security officer" not in text
    assert "2 conversations from 3 inputs: 0 high, 0 medium, 2 low" in text


def test_hostile_names_cannot_restyle_or_rewrite_the_terminal() -> None:
    report = sample_report()
    conv = report["conversations"][0]
    conv["title"] = "[bold red]FAKE[/bold red] \x1b[2J\x1b[H cleared"
    conv["counterpart"]["name"] = "\u202eevil"
    report["inputs"][0]["warnings"] = ["[link=http://x]click[/link]\rover"]
    console = Console(record=True, width=220, file=io.StringIO(), force_terminal=True)
    print_summary(report, console)
    raw = console.file.getvalue()
    text = console.export_text()
    assert "[bold red]FAKE[/bold red]" in text
    assert "[U+001B][2J" in text and "\x1b[2J" not in raw
    assert "[U+202E]evil" in text
    assert "[link=http://x]click[/link]over" in text


def test_progress_is_silent_off_a_terminal_and_counts_on_one() -> None:
    piped = Console(file=io.StringIO())
    with scan_progress(piped) as progress:
        task = progress.add_task("Reading inputs", total=2)
        progress.advance(task)
        progress.advance(task)
        assert progress.tasks[0].completed == 2
    assert progress.disable and piped.file.getvalue() == ""

    tty = Console(file=io.StringIO(), force_terminal=True, width=100)
    with scan_progress(tty) as progress:
        task = progress.add_task("[bold]exports/a.zip", total=3)
        progress.advance(task, 3)
        progress.refresh()
    assert not progress.disable
    out = tty.file.getvalue()
    assert "[bold]exports/a.zip" in out and "3/3" in out
