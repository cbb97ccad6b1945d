"""`lurewatch formats`: the export formats the scanner reads."""

from __future__ import annotations

import typer

from lurewatch.cli import app
from lurewatch.ingest.registry import all_readers


@app.command()
def formats() -> None:
    """List the export formats lurewatch reads (chosen by content; force one with --format)."""
    for reader in all_readers():
        typer.echo(f"{reader.name:<10} {reader.description}")
