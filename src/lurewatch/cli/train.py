"""`lurewatch train`: reproduce the shipped learned artefacts (stage heads, examples, funnel
weights) from the repository's corpus and the public data sets beside it."""

from __future__ import annotations

from pathlib import Path

import typer

from lurewatch.cli import app


@app.command()
def train(
    data_dir: Path = typer.Option(Path("../shared/data"), "--data-dir",
                                  help="Public data sets (SEConvo, Enron, Fraud-R1); "
                                  "skipped when absent."),
    corpus_dir: Path = typer.Option(Path("data/corpus"), "--corpus-dir",
                                    help="The project's labelled corpus (train split used)."),
    out: Path | None = typer.Option(None, "--out",
                                    help="Where to write the artefacts (default: the "
                                    "package's detect/models/)."),
) -> None:
    """Train the stage heads and refit the conversation scorer, deterministically."""
    from lurewatch.detect.models.train import package_dir
    from lurewatch.detect.models.train import train as run

    if not corpus_dir.is_dir() or not any(corpus_dir.glob("*.jsonl")):
        typer.echo(f"error: {corpus_dir}: no corpus (*.jsonl) found", err=True)
        raise typer.Exit(2)
    result = run(corpus_dir, data_dir, out or package_dir(), log=typer.echo)
    typer.echo(f"wrote {result.heads_version} and {result.funnel_name} to {out or package_dir()}")
