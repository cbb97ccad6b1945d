"""The terminal side of `lurewatch scan`: a summary table and a progress bar.

Every value from the report goes into a `rich.text.Text` (never a markup string), after
neutralising control characters, so hostile names cannot restyle or rewrite the terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from lurewatch.model import LEVELS, MITIGATING_STAGES
from lurewatch.report.advice import load_advice, needs_advice
from lurewatch.report.display_text import one_line

LEVEL_STYLES = {"high": "bold white on red", "medium": "bold black on yellow", "low": "green"}
_RANK = {level: rank for rank, level in enumerate(LEVELS)}
TOP_STAGES = 3


def _text(value: Any) -> str:
    if value is None:
        return ""
    return one_line(value if isinstance(value, str) else str(value))


def _risk(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return min(1.0, max(0.0, float(value)))


def _top_stages(entry: dict[str, Any]) -> str:
    """The most confident distinct warning stages, strongest first; mitigations after."""
    stages = [s for s in entry.get("stages") or [] if isinstance(s, dict) and s.get("stage")]
    stages.sort(
        key=lambda s: (s.get("stage") in MITIGATING_STAGES, -(_risk(s.get("confidence")) or 0.0))
    )
    names = dict.fromkeys(
        _text(s["stage"]) + (" (mitigating)" if s["stage"] in MITIGATING_STAGES else "")
        for s in stages
    )
    return ", ".join(list(names)[:TOP_STAGES])


def _counterpart(entry: dict[str, Any]) -> str:
    cp = entry.get("counterpart")
    if not isinstance(cp, dict):
        return ""
    name, company = _text(cp.get("name")), _text(cp.get("company"))
    return f"{name} ({company})" if name and company else name or company


def _platforms(entry: dict[str, Any]) -> str:
    advice = load_advice()
    return " → ".join(advice.platform_name(_text(p)) for p in entry.get("platforms") or [])


def print_summary(report: dict[str, Any], console: Console, min_level: str = "low") -> None:
    """A table of conversations at or above `min_level` (riskiest first), input warnings,
    and a one-line total."""
    floor = _RANK.get(min_level, 0)
    entries = [e for e in report.get("conversations") or [] if isinstance(e, dict)]
    levels = [e.get("level") if e.get("level") in _RANK else "low" for e in entries]
    shown = [
        (entry, level)
        for entry, level in zip(entries, levels, strict=True)
        if _RANK[level] >= floor
    ]
    shown.sort(key=lambda pair: (-_RANK[pair[1]], -(_risk(pair[0].get("risk")) or 0.0)))

    if shown:
        table = Table(title="lurewatch scan", box=box.SIMPLE_HEAVY, header_style="bold")
        table.add_column("Conversation", overflow="fold", max_width=36)
        table.add_column("Counterpart", overflow="fold", max_width=32)
        table.add_column("Platforms", overflow="fold")
        table.add_column("Level", no_wrap=True)
        table.add_column("Risk", justify="right", no_wrap=True)
        table.add_column("First alert", justify="right", no_wrap=True)
        table.add_column("Top stages", overflow="fold")
        for entry, level in shown:
            risk = _risk(entry.get("risk"))
            alert = entry.get("first_alert")
            has_alert = isinstance(alert, int) and not isinstance(alert, bool)
            table.add_row(
                Text(_text(entry.get("title")) or _text(entry.get("id"))),
                Text(_counterpart(entry)),
                Text(_platforms(entry)),
                Text(f" {level} ", style=LEVEL_STYLES[level]),
                Text("" if risk is None else f"{risk:.2f}"),
                Text(f"msg {alert + 1}" if has_alert else "-"),
                Text(_top_stages(entry)),
            )
        console.print(table)

    for item in report.get("inputs") or []:
        if not isinstance(item, dict):
            continue
        # Each message already names its file (and line).
        for kind, style in (("errors", "red"), ("warnings", "yellow")):
            for message in item.get(kind) or []:
                line = Text(f"{kind[:-1]}: ", style=style)
                line.append(_text(message))
                console.print(line)

    console.print(_total_line(report, levels, len(entries) - len(shown)))
    if needs_advice(levels):
        console.print(
            Text(
                "Do not move platforms, send documents or open files; keep the messages and "
                "tell your security officer. The HTML report says where to report.",
                style="bold",
            )
        )


def _total_line(report: dict[str, Any], levels: list[str], hidden: int) -> Text:
    inputs = [i for i in report.get("inputs") or [] if isinstance(i, dict)]
    line = Text(f"{len(levels)} conversations from {len(inputs)} inputs: ")
    for position, level in enumerate(reversed(LEVELS)):
        if position:
            line.append(", ")
        line.append(f"{levels.count(level)} {level}", style=LEVEL_STYLES[level])
    skipped = sum(i["skipped"] for i in inputs if isinstance(i.get("skipped"), int))
    if skipped:
        line.append(f"; {skipped} skipped")
    if hidden:
        line.append(f" ({hidden} below the display level not listed)")
    return line


@contextmanager
def scan_progress(console: Console) -> Iterator[Progress]:
    """A progress display for the pipeline: add a task per stage of work and advance it per
    conversation or input file. Silent when the console is not a terminal (pipes, CI)."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),  # descriptions may hold file names
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        yield progress
