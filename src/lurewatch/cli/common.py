"""Shared CLI plumbing: one-line errors, levels, building a scanner, scanning with progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from lurewatch.model import LEVELS

if TYPE_CHECKING:
    from lurewatch.pipeline import InputSummary, Scanner
    from lurewatch.runner import ScanRun

EXIT_OK, EXIT_FAIL_ON, EXIT_USAGE = 0, 1, 2


def fail_usage(message: str) -> typer.Exit:
    """Print a one-line usage error and return the exit to raise."""
    print(f"lurewatch: error: {message}", file=sys.stderr)
    return typer.Exit(EXIT_USAGE)


def check_level(value: str | None, option: str) -> str | None:
    if value is not None and value not in LEVELS:
        raise fail_usage(f"{option} must be one of {', '.join(LEVELS)} (got '{value}')")
    return value


def level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


def make_scanner(*, format: str | None = None, owner: str | None = None,
                 rules: list[Path] | None = None, stitch: bool = True,
                 jobs: int | None = None, deep: int | None = None) -> Scanner:
    """A scanner, or a one-line usage error for a bad format, rule pack or weights file."""
    from lurewatch.detect.rules.loader import RulePackError
    from lurewatch.ingest.base import InputError
    from lurewatch.pipeline import Scanner, ScanOptions
    from lurewatch.score.funnel import WeightsError

    for d in rules or []:
        if not d.is_dir():
            raise fail_usage(f"--rules {d}: not a folder")
    try:
        if format is not None:
            from lurewatch.ingest.registry import get_reader

            get_reader(format)
        return Scanner(ScanOptions(format=format, owner=owner, rule_dirs=list(rules or []),
                                   stitch=stitch, jobs=jobs, deep=deep))
    except (RulePackError, WeightsError, InputError) as exc:
        raise fail_usage(str(exc)) from None


def scan_with_progress(paths: list[str], scanner: Scanner, watchlists: list[Path],
                       quiet: bool) -> ScanRun:
    from lurewatch.ingest.base import InputError
    from lurewatch.report.terminal import scan_progress
    from lurewatch.runner import run_scan

    errors = Console(stderr=True, quiet=quiet)
    try:
        with scan_progress(errors) as progress:
            return run_scan(paths, scanner=scanner, watchlists=watchlists, progress=progress)
    except InputError as exc:
        raise fail_usage(str(exc)) from None


def print_issues(summaries: list[InputSummary]) -> None:
    for s in summaries:
        for issue in s.issues:
            print(f"lurewatch: {issue.severity}: {issue}", file=sys.stderr)
