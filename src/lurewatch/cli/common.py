"""Shared CLI plumbing: one-line errors, levels."""

from __future__ import annotations

import sys

import typer

from lurewatch.model import LEVELS

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
    return LEVELS.index(level)
