"""`lurewatch profile`: review a counterpart's profile before replying."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from lurewatch.cli import app
from lurewatch.cli.common import fail_usage

MAX_PROFILE_BYTES = 2_000_000


@app.command()
def profile(
    source: str = typer.Argument(..., help="A profile as JSON, or the text copied from a "
                                 "profile page; '-' reads standard input."),
    json_out: bool = typer.Option(False, "--json", help="Print the review as JSON."),
) -> None:
    """Risk and reasons from a counterpart profile (account age, network, employer, ...)."""
    from lurewatch.ingest.base import InputError
    from lurewatch.profile.parse import parse_profile_json, parse_profile_text
    from lurewatch.profile.review import review_profile

    where = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_PROFILE_BYTES)
        else:
            with Path(source).open("rb") as f:
                raw = f.read(MAX_PROFILE_BYTES)
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise fail_usage(f"{where}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise fail_usage(f"{where}: not UTF-8 text") from None
    if not text.strip():
        raise fail_usage(f"{where}: empty profile")
    try:
        counterpart = (parse_profile_json(text) if text.lstrip().startswith("{")
                       else parse_profile_text(text))
    except InputError as exc:
        raise fail_usage(f"{where}: {exc}") from None
    review = review_profile(counterpart)
    if json_out:
        typer.echo(json.dumps({"name": counterpart.name, "risk": round(review.risk, 3),
                               "reasons": review.reasons, "missing": review.missing},
                              ensure_ascii=False, indent=1))
        return
    console = Console()
    console.print(Text(f"{counterpart.name}: profile risk {review.risk:.2f}", style="bold"))
    for reason in review.reasons:  # the last reason already says what was not known
        console.print(Text(f"  - {reason}"))
