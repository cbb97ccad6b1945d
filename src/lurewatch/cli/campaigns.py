"""`lurewatch campaigns`: approaches run by one operator across many conversations."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lurewatch.cli import app
from lurewatch.cli.export import report_from_paths


@app.command()
def campaigns(
    paths: list[str] = typer.Argument(..., help="A saved report or exports to scan."),
    watchlist: list[Path] = typer.Option([], "--watchlist", help="Extra watchlist files."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the campaigns as JSON."),
) -> None:
    """Group conversations into campaigns (shared handles, templates, personas, bursts)."""
    from lurewatch.report.json_report import write_json

    report = report_from_paths(paths, watchlist, quiet=True)
    found = report.get("campaigns", [])
    if json_out is not None:
        write_json({"schema": report.get("schema"), "campaigns": found}, json_out)
    console = Console()
    if not found:
        console.print("No campaigns: no two conversations look like one operator's work.")
        return
    table = Table(title=f"{len(found)} campaign(s)")
    for col in ("id", "level", "conversations", "personas", "indicators", "why"):
        table.add_column(col)
    for c in found:
        table.add_row(
            Text(str(c.get("id", ""))),
            Text(str(c.get("level", ""))),
            Text(str(len(c.get("conversation_ids", [])))),
            Text(", ".join(c.get("personas", [])[:4])),
            Text(", ".join(f"{i.get('type')}:{i.get('value')}"
                           for i in c.get("indicators", [])[:4])),
            Text("; ".join(c.get("reasons", [])[:3])),
        )
    console.print(table)
