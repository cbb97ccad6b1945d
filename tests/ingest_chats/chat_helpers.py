"""Shared helpers for the chat reader tests."""

from __future__ import annotations

from pathlib import Path

from lurewatch.ingest.base import ReadContext, Reader
from lurewatch.model import Conversation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read_all(
    reader: Reader, path: Path, owner: str | None = None
) -> tuple[list[Conversation], ReadContext]:
    ctx = ReadContext(str(path), owner=owner)
    conversations = list(reader.read(path, ctx))
    return conversations, ctx


def issue_lines(ctx: ReadContext) -> list[str]:
    """Every reported issue as its one-line text; asserts none spans lines."""
    lines = [str(issue) for issue in ctx.issues]
    for line in lines:
        assert "\n" not in line, line
        assert "Traceback" not in line
    return lines
