"""`lurewatch eval`: measure the scanner on labelled conversations (canonical JSON Lines with
`label`, SEConvo JSON, Enron/AESLC JSON Lines). Prints tables, writes the figures as JSON and
a reliability plot. Exit 0 when it ran, 2 on a usage error or when nothing labelled was read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from lurewatch.cli import app
from lurewatch.cli.common import EXIT_USAGE, fail_usage
from lurewatch.ingest.base import InputError


@app.command("eval")
def eval_command(
    paths: list[str] = typer.Argument(..., help="Labelled conversations: files or folders."),
    format: str | None = typer.Option(None, "--format", "-f", help="Force a format "
                                      "(see `lurewatch formats`)."),
    split: str | None = typer.Option(None, "--split", help="Only conversations of this split "
                                     "(e.g. test), in files that carry splits."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the figures here."),
    plots: Path | None = typer.Option(None, "--plots", help="Write the reliability plot "
                                      "(reliability.png) into this folder."),
    rules: list[Path] = typer.Option([], "--rules", help="Add a folder of YAML rule packs."),
    bins: int = typer.Option(10, "--bins", min=2, max=100, help="Equal-width calibration "
                             "bins."),
    resamples: int = typer.Option(1000, "--bootstrap", min=0, max=100_000,
                                  help="Bootstrap resamples for the 95% intervals "
                                  "(0: no intervals)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No tables."),
) -> None:
    """Measure detection on labelled conversations (ROC-AUC, F1, early detection,
    calibration, per-stage and per-group figures)."""
    from lurewatch.detect.rules.loader import RulePackError
    from lurewatch.evaluate.harness import EvalOptions, run_evaluation
    from lurewatch.evaluate.table import print_results
    from lurewatch.score.funnel import WeightsError

    for d in rules:
        if not d.is_dir():
            raise fail_usage(f"--rules {d}: not a folder")
    options = EvalOptions(format=format, split=split, rule_dirs=list(rules), bins=bins,
                          plots_dir=plots, resamples=resamples)
    errors = Console(stderr=True, quiet=quiet)
    try:
        with errors.status("evaluating") as status:
            count = 0

            def progress(_: object) -> None:
                nonlocal count
                count += 1
                if count % 50 == 0:
                    status.update(f"evaluating: {count} conversations")

            result = run_evaluation(paths, options, on_conversation=progress)
    except (RulePackError, WeightsError, InputError) as exc:
        raise fail_usage(str(exc)) from None

    for entry in result["inputs"]:
        for line in entry["errors"] + entry["warnings"]:
            kind = "error" if line in entry["errors"] else "warning"
            print(f"lurewatch: {kind}: {line}", file=sys.stderr)
    evaluated = result["overall"]["n"]
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    if not quiet:
        # Piped output (logs, CI) gets the full width instead of rich's 80 columns.
        out = Console() if sys.stdout.isatty() else Console(width=160)
        print_results(result, out)
        if json_out is not None:
            out.print(f"wrote {json_out}")
    if evaluated == 0:
        print("lurewatch: error: no labelled conversations to evaluate"
              + (f" in split '{split}'" if split else ""), file=sys.stderr)
        raise typer.Exit(EXIT_USAGE)
    if any(entry["errors"] and entry["evaluated"] == 0 for entry in result["inputs"]):
        raise typer.Exit(EXIT_USAGE)
