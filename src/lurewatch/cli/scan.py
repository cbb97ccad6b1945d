"""`lurewatch scan`: the main job. Reads exports, writes the JSON and HTML reports, prints a
summary, and sets the exit status (0 ran, 1 `--fail-on` met, 2 usage or unreadable input)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from lurewatch.cli import app
from lurewatch.cli.common import (
    EXIT_FAIL_ON,
    EXIT_USAGE,
    check_level,
    fail_usage,
    level_rank,
)
from lurewatch.ingest.base import InputError
from lurewatch.model import ScannedConversation


@app.command()
def scan(
    paths: list[str] = typer.Argument(..., help="Exports, folders or zips; '-' reads pasted "
                                      "text from standard input."),
    format: str | None = typer.Option(None, "--format", "-f", help="Force a format "
                                      "(see `lurewatch formats`)."),
    owner: str | None = typer.Option(None, "--owner", help="Your name or address as it "
                                     "appears in the export."),
    rules: list[Path] = typer.Option([], "--rules", help="Add a folder of YAML rule packs."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the JSON report here."),
    html_out: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    min_level: str = typer.Option("low", "--min-level", help="Show conversations at or "
                                  "above this level in the summary (low, medium, high)."),
    fail_on: str | None = typer.Option(None, "--fail-on", help="Exit 1 if any conversation "
                                       "reaches this level."),
    stitch: bool = typer.Option(True, "--stitch/--no-stitch", help="Join one approach across "
                                "platforms when handles match."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary table."),
) -> None:
    """Scan message exports for covert recruitment approaches."""
    from lurewatch.campaigns.group import campaign_to_report, group_campaigns
    from lurewatch.detect.rules.loader import RulePackError
    from lurewatch.pipeline import Scanner, ScanOptions, tool_info
    from lurewatch.report.json_report import build_report, conversation_entry, write_json
    from lurewatch.report.terminal import print_summary, scan_progress
    from lurewatch.score.funnel import WeightsError

    check_level(min_level, "--min-level")
    check_level(fail_on, "--fail-on")
    for d in rules:
        if not d.is_dir():
            raise fail_usage(f"--rules {d}: not a folder")
    console = Console(stderr=False)
    errors = Console(stderr=True)
    try:
        scanner = Scanner(ScanOptions(format=format, owner=owner, rule_dirs=list(rules),
                                      stitch=stitch))
    except (RulePackError, WeightsError, InputError) as exc:
        raise fail_usage(str(exc)) from None

    entries: list[dict] = []
    slim: list[ScannedConversation] = []
    try:
        with scan_progress(errors if not quiet else Console(quiet=True)) as progress:
            task = progress.add_task("scanning", total=None)

            def on_input(unit: object) -> None:
                progress.update(task, description=f"reading {getattr(unit, 'display', '')}")

            for scanned in scanner.scan_paths(paths, on_input=on_input):
                entries.append(conversation_entry(scanned))
                slim.append(_slim(scanned))
                progress.advance(task)
    except InputError as exc:
        raise fail_usage(str(exc)) from None

    campaigns = [campaign_to_report(c) for c in group_campaigns(slim)]
    inputs = [s.to_report() for s in scanner.summaries]
    report = build_report(entries, inputs, campaigns, tool_info(scanner))
    for s in scanner.summaries:
        for issue in s.issues:
            print(f"lurewatch: {issue.severity}: {issue}", file=sys.stderr)
    if json_out is not None:
        write_json(report, json_out)
    if html_out is not None:
        from lurewatch.report.html import write_html

        write_html(report, html_out)
    if not quiet:
        print_summary(report, console, min_level=min_level)
        for out in (json_out, html_out):
            if out is not None:
                console.print(f"wrote {out}")
    if any(s.failed for s in scanner.summaries) or not scanner.summaries:
        raise typer.Exit(EXIT_USAGE)
    if fail_on is not None and any(
        level_rank(e["level"]) >= level_rank(fail_on) for e in entries
    ):
        raise typer.Exit(EXIT_FAIL_ON)


def _slim(scanned: ScannedConversation, keep: int = 10) -> ScannedConversation:
    """A copy for campaign grouping that keeps only the first messages (where templates and
    handles appear), so memory grows with the number of conversations, not of messages.
    Indicators are all kept; findings and message indices stay valid for the kept prefix."""
    from dataclasses import replace

    conv = scanned.conversation
    if len(conv.messages) <= keep:
        return scanned
    return replace(
        scanned,
        conversation=replace(conv, messages=conv.messages[:keep]),
        findings=[f for f in scanned.findings if f.message_index < keep],
    )
