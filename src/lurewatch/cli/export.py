"""`lurewatch export`: hand a security team's tools what they take (STIX 2.1, MISP, CSV).
Reads a saved scan report, or scans the given exports first. Redacted by default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from lurewatch.cli import app
from lurewatch.cli.common import (
    check_level,
    fail_usage,
    make_scanner,
    print_issues,
    scan_with_progress,
)
from lurewatch.report.json_report import SCHEMA


def is_saved_report(path: Path) -> bool:
    """A `lurewatch.report/1` JSON file (looked at cheaply: the schema is the first key)."""
    if not path.is_file() or path.suffix.casefold() != ".json":
        return False
    try:
        with path.open("r", encoding="utf-8") as f:
            head = f.read(200)
    except (OSError, UnicodeError):
        return False
    return f'"schema": "{SCHEMA}"' in head or f'"schema":"{SCHEMA}"' in head


def report_from_paths(paths: list[str], watchlist: list[Path], quiet: bool) -> dict[str, Any]:
    """A saved report when given one, else a fresh scan of the paths."""
    from lurewatch.ingest.base import InputError
    from lurewatch.report.sharing import load_report

    if len(paths) == 1 and is_saved_report(Path(paths[0])):
        try:
            return load_report(Path(paths[0]))
        except InputError as exc:
            raise fail_usage(str(exc)) from None
    run = scan_with_progress(paths, make_scanner(), watchlist, quiet=True)
    print_issues(run.summaries)
    return run.report


@app.command()
def export(
    paths: list[str] = typer.Argument(..., help="A saved report (.json from `scan --json`) "
                                      "or exports to scan."),
    stix: Path | None = typer.Option(None, "--stix", help="Write a STIX 2.1 bundle here."),
    misp: Path | None = typer.Option(None, "--misp", help="Write a MISP event (JSON) here."),
    csv: Path | None = typer.Option(None, "--csv", help="Write the indicators (CSV) here."),
    redact: bool = typer.Option(True, "--redact/--no-redact", help="Remove owner identities "
                                "and message text beyond evidence spans (default)."),
    min_level: str = typer.Option("medium", "--min-level", help="Export conversations at or "
                                  "above this level."),
    tlp: str = typer.Option("amber", "--tlp", help="Traffic Light Protocol marking."),
    watchlist: list[Path] = typer.Option([], "--watchlist", help="Extra watchlist files."),
) -> None:
    """Export indicators, campaigns and explanations for threat-intelligence platforms."""
    from lurewatch.report.sharing import (
        build_misp_event,
        build_stix_bundle,
        write_indicators_csv,
        write_misp_event,
        write_stix_bundle,
    )

    check_level(min_level, "--min-level")
    if stix is None and misp is None and csv is None:
        raise fail_usage("nothing to export: give --stix, --misp and/or --csv")
    report = report_from_paths(paths, watchlist, quiet=True)
    try:
        if stix is not None:
            write_stix_bundle(build_stix_bundle(report, redact=redact, min_level=min_level,
                                                tlp=tlp), stix)
            typer.echo(f"wrote {stix}")
        if misp is not None:
            write_misp_event(build_misp_event(report, redact=redact, min_level=min_level,
                                              tlp=tlp), misp)
            typer.echo(f"wrote {misp}")
        if csv is not None:
            rows = write_indicators_csv(report, csv, redact=redact, min_level=min_level)
            typer.echo(f"wrote {csv} ({rows} indicators)")
    except ValueError as exc:
        raise fail_usage(str(exc)) from None
    if not redact:
        typer.echo("note: --no-redact: owner identities and message text are included", err=True)


