"""`lurewatch scan`: the main job. Reads exports, writes the JSON and HTML reports, prints a
summary, and sets the exit status (0 ran, 1 `--fail-on` met, 2 usage or unreadable input)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from lurewatch.cli import app
from lurewatch.cli.common import (
    EXIT_FAIL_ON,
    EXIT_USAGE,
    check_level,
    level_rank,
    make_scanner,
    print_issues,
    scan_with_progress,
)


@app.command()
def scan(
    paths: list[str] = typer.Argument(..., help="Exports, folders or zips; '-' reads pasted "
                                      "text from standard input."),
    format: str | None = typer.Option(None, "--format", "-f", help="Force a format "
                                      "(see `lurewatch formats`)."),
    owner: str | None = typer.Option(None, "--owner", help="Your name or address as it "
                                     "appears in the export."),
    rules: list[Path] = typer.Option([], "--rules", help="Add a folder of YAML rule packs."),
    watchlist: list[Path] = typer.Option([], "--watchlist", help="Add a watchlist of personas "
                                         "and cover companies (YAML or CSV)."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the JSON report here."),
    html_out: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    min_level: str = typer.Option("low", "--min-level", help="Show conversations at or "
                                  "above this level in the summary (low, medium, high)."),
    fail_on: str | None = typer.Option(None, "--fail-on", help="Exit 1 if any conversation "
                                       "reaches this level."),
    stitch: bool = typer.Option(True, "--stitch/--no-stitch", help="Join one approach across "
                                "platforms when handles match."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes "
                                    "(default: for large inputs on more than 2 cores, one "
                                    "per spare core, up to 4)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary table."),
    deep: bool | None = typer.Option(None, "--deep/--no-deep", help="Let the transformer "
                                     "second pass read up to 1,000 of the messages the first "
                                     "pass is least sure about (default: as trained; see "
                                     "docs/scoring.md)."),
    deep_budget: int | None = typer.Option(None, "--deep-budget", min=0, help="Messages the "
                                           "transformer second pass may read (0: off)."),
) -> None:
    """Scan message exports for covert recruitment approaches."""
    from lurewatch.report.json_report import write_json
    from lurewatch.report.terminal import print_summary

    check_level(min_level, "--min-level")
    check_level(fail_on, "--fail-on")
    if deep_budget is None and deep is not None:
        from lurewatch.detect.models.cascade import DEEP_BUDGET

        deep_budget = DEEP_BUDGET if deep else 0
    scanner = make_scanner(format=format, owner=owner, rules=rules, stitch=stitch, jobs=jobs,
                           deep=deep_budget)
    run = scan_with_progress(paths, scanner, watchlist, quiet)
    report = run.report
    if quiet:  # otherwise the summary lists them
        print_issues(run.summaries)
    if json_out is not None:
        write_json(report, json_out)
    if html_out is not None:
        from lurewatch.report.html import write_html

        write_html(report, html_out)
    if not quiet:
        console = Console()
        print_summary(report, console, min_level=min_level)
        for out in (json_out, html_out):
            if out is not None:
                console.print(f"wrote {out}")
    if run.failed_inputs or not run.summaries:
        raise typer.Exit(EXIT_USAGE)
    if fail_on is not None and any(
        level_rank(e["level"]) >= level_rank(fail_on) for e in report["conversations"]
    ):
        raise typer.Exit(EXIT_FAIL_ON)
