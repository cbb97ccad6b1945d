"""`lurewatch batch`: score many inputs on a Dask cluster (a local one of worker processes,
or `--scheduler tcp://host:8786`), one part file per work item plus `summary.json`.
Exit status: 0 ran, 1 `--fail-on` met, 2 usage, unreadable input or a failed part."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from lurewatch.cli import app
from lurewatch.cli.common import EXIT_FAIL_ON, EXIT_USAGE, check_level, fail_usage


@app.command()
def batch(
    paths: list[str] = typer.Argument(..., help="Exports, folders, zips or JSON Lines files."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for part files and "
                             "summary.json."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="A running Dask "
                                         "scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                                         "a local cluster on 127.0.0.1)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes "
                                       "of the local cluster (default: one per core)."),
    format: str | None = typer.Option(None, "--format", "-f", help="Force a format "
                                      "(see `lurewatch formats`)."),
    owner: str | None = typer.Option(None, "--owner", help="Your name or address as it "
                                     "appears in the export."),
    rules: list[Path] = typer.Option([], "--rules", help="Add a folder of YAML rule packs "
                                     "(on storage every worker sees)."),
    resume: bool = typer.Option(False, "--resume", help="Finish an earlier run in --out: "
                                "complete parts are kept, the rest computed."),
    fail_on: str | None = typer.Option(None, "--fail-on", help="Exit 1 if any conversation "
                                       "reaches this level."),
    shard_mb: float | None = typer.Option(None, "--shard-mb", min=0.001, help="Bytes of "
                                          "JSON Lines per work item, in MB (default: "
                                          "chosen from the size and the workers)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or summary."),
) -> None:
    """Score inputs at scale on a Dask cluster into part files and a summary."""
    from lurewatch.batch import BatchError, run_batch
    from lurewatch.ingest.base import InputError
    from lurewatch.pipeline import ScanOptions

    check_level(fail_on, "--fail-on")
    if scheduler is not None and workers is not None:
        raise fail_usage("--workers sets up the local cluster; a --scheduler has its own")
    for d in rules:
        if not d.is_dir():
            raise fail_usage(f"--rules {d}: not a folder")
    errors = Console(stderr=True, quiet=quiet)
    options = ScanOptions(format=format, owner=owner, rule_dirs=list(rules), stitch=False)
    try:
        with errors.status("starting workers") as status:
            def on_part(item, outcome: str) -> None:  # type: ignore[no-untyped-def]
                status.update(f"{item.part_name} {outcome}")

            summary = run_batch(paths, out, scheduler=scheduler, workers=workers,
                                options=options, resume=resume, on_part=on_part,
                                shard_bytes=int(shard_mb * 1e6) if shard_mb else None)
    except (BatchError, InputError) as exc:
        raise fail_usage(str(exc)) from None
    for entry in summary.inputs:
        for text in entry["errors"]:
            print(f"lurewatch: error: {text}", file=sys.stderr)
        if quiet:
            for text in entry["warnings"]:
                print(f"lurewatch: warning: {text}", file=sys.stderr)
    if not quiet:
        rate = summary.messages / summary.seconds if summary.seconds else 0.0
        levels = ", ".join(f"{n} {lv}" for lv, n in summary.levels.items())
        for entry in summary.inputs:
            for text in entry["warnings"]:
                print(f"warning: {text}")
        print(f"{summary.conversations} conversations ({levels}), {summary.messages} messages "
              f"in {summary.seconds:.1f} s ({rate:,.0f} messages/s); {summary.parts} parts, "
              f"{summary.parts_resumed} resumed, {len(summary.failures)} failed")
        print(f"wrote {summary.out_dir / 'summary.json'}")
    if summary.failures or summary.failed_inputs or not summary.inputs:
        raise typer.Exit(EXIT_USAGE)
    if fail_on is not None and summary.reached(fail_on):
        raise typer.Exit(EXIT_FAIL_ON)
