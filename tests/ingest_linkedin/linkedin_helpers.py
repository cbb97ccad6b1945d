"""Shared helpers for the LinkedIn reader tests: read an export, hash a tree, build zips."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from lurewatch.ingest.base import ReadContext
from lurewatch.ingest.linkedin import READER
from lurewatch.model import Conversation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "linkedin"
NEW_EXPORT = FIXTURES / "export_new"
OLD_EXPORT = FIXTURES / "export_old"

NEW_HEADER = [
    "CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
    "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS",
    "IS MESSAGE DRAFT", "IS CONVERSATION DRAFT",
]
OLD_HEADER = NEW_HEADER[:10]

OWNER = ("Priya Raman", "https://www.linkedin.com/in/priya-raman-rf")


def read_all(path: Path, owner: str | None = None) -> tuple[list[Conversation], ReadContext]:
    ctx = ReadContext(str(path), owner=owner)
    return list(READER.read(path, ctx)), ctx


def by_id(conversations: list[Conversation]) -> dict[str, Conversation]:
    return {c.id: c for c in conversations}


def issues_text(ctx: ReadContext) -> str:
    return "\n".join(str(i) for i in ctx.issues)


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under root (or of root itself)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {
        str(p.relative_to(root.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
    }


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, prefix + p.name)
    return target


def zip_entries(target: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return target


def csv_text(rows: list[list[str]], lineterminator: str = "\r\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=lineterminator)
    writer.writerows(rows)
    return buf.getvalue()


def message_row(
    conversation_id: str,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    date: str,
    content: str,
    *,
    draft: bool = False,
    attachments: str = "",
) -> list[str]:
    return [
        conversation_id, "", sender[0], sender[1], recipient[0], recipient[1], date, "",
        content, "INBOX", attachments, "true" if draft else "false", "false",
    ]
