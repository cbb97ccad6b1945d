"""Which reader handles which input: chosen by content, forced with `--format`."""

from __future__ import annotations

import importlib
from pathlib import Path

from lurewatch.ingest.base import InputError, Reader

# Format name -> module defining READER. Order breaks ties in sniffing: specific first.
_READER_MODULES: dict[str, str] = {
    "linkedin": "lurewatch.ingest.linkedin",
    "telegram": "lurewatch.ingest.telegram",
    "wechat": "lurewatch.ingest.wechat",
    "whatsapp": "lurewatch.ingest.whatsapp",
    "email": "lurewatch.ingest.mail",
    "seconvo": "lurewatch.ingest.seconvo",
    "enron": "lurewatch.ingest.enron",
    "jsonl": "lurewatch.ingest.jsonl",
    "paste": "lurewatch.ingest.paste",
}

_MIN_SNIFF = 0.3


def reader_names() -> list[str]:
    return list(_READER_MODULES)


def get_reader(name: str) -> Reader:
    module = _READER_MODULES.get(name)
    if module is None:
        known = ", ".join(_READER_MODULES)
        raise InputError(f"unknown format '{name}' (known: {known})")
    return importlib.import_module(module).READER


def all_readers() -> list[Reader]:
    return [get_reader(name) for name in _READER_MODULES]


# Readers that only read what they are pointed at, never what a folder walk comes across
# (any .txt file would otherwise become a "pasted conversation").
EXPLICIT_ONLY = frozenset({"paste"})


def detect_reader(path: Path, walking: bool = False) -> Reader | None:
    """The reader most sure of `path`, or None when no reader recognises it. `walking`:
    the path was found inside a folder rather than named by the person."""
    best: tuple[float, Reader] | None = None
    for reader in all_readers():
        if walking and reader.name in EXPLICIT_ONLY:
            continue
        try:
            score = reader.sniff(path)
        except (OSError, ValueError, UnicodeError):
            continue
        if score >= _MIN_SNIFF and (best is None or score > best[0]):
            best = (score, reader)
    return best[1] if best else None
