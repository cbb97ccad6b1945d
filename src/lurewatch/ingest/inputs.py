"""From the paths a person gives to readable inputs: files, export folders, zips, stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.ingest.base import InputError, InputIssue, ReadContext, Reader
from lurewatch.ingest.registry import detect_reader, get_reader
from lurewatch.model import Conversation

STDIN = "-"
MAX_STDIN_BYTES = 20_000_000


@dataclass
class InputUnit:
    """One thing a reader reads: a file, an export folder or zip, or pasted text."""

    display: str  # as shown in the report's inputs[].path
    path: Path | None  # None for standard input
    reader: Reader | None  # None when no reader recognised it
    text: str | None = None  # standard input, read once (it cannot be read twice)
    issues: list[InputIssue] = field(default_factory=list)


def _read_stdin() -> tuple[str, list[InputIssue]]:
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    issues = []
    if len(data) > MAX_STDIN_BYTES:
        issues.append(InputIssue("<stdin>", f"input longer than {MAX_STDIN_BYTES} bytes; "
                                 "the rest was not read"))
        data = data[:MAX_STDIN_BYTES]
    return data.decode("utf-8", errors="replace"), issues


def expand_inputs(paths: list[str], forced_format: str | None = None) -> list[InputUnit]:
    """Turn command-line paths into input units, in the order given. Folders that are not
    themselves an export (a LinkedIn folder, a folder of e-mails) are walked in name order."""
    forced = get_reader(forced_format) if forced_format else None
    units: list[InputUnit] = []
    for raw in paths:
        if raw == STDIN:
            text, issues = _read_stdin()
            reader = forced or get_reader("paste")
            units.append(InputUnit("<stdin>", None, reader, text=text, issues=issues))
            continue
        _expand_path(Path(raw), raw, forced, units, top=True)
    return units


def _expand_path(path: Path, display: str, forced: Reader | None,
                 units: list[InputUnit], top: bool) -> None:
    if not path.exists():
        unit = InputUnit(display, path, None)
        unit.issues.append(InputIssue(display, "no such file or folder", severity="error"))
        units.append(unit)
        return
    if path.is_dir():
        reader = _pick(path, forced, walking=not top)
        if reader is not None and (forced is None or forced.sniff(path) > 0) \
                and _holds_only(path, reader):
            units.append(InputUnit(display, path, reader))
            return
        _walk(path, display, forced, units)
        return
    reader = forced or _pick(path, None, walking=not top)
    unit = InputUnit(display, path, reader)
    if reader is None:
        what = "empty file" if path.stat().st_size == 0 else (
            "not a recognised export format (see `lurewatch formats`; force one with --format)")
        unit.issues.append(InputIssue(display, what, severity="error"))
    units.append(unit)


def _walk(folder: Path, display: str, forced: Reader | None, units: list[InputUnit]) -> None:
    """Every input below a folder, in name order. Files no reader recognises (the photos of
    a Telegram export, a notes file) are not errors here: one warning per folder lists them."""
    skipped: list[str] = []
    for child in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
        if child.is_dir():
            _expand_path(child, str(child), forced, units, top=False)
            continue
        reader = forced or _pick(child, None, walking=True)
        if reader is None:
            skipped.append(child.name + (" (empty)" if child.stat().st_size == 0 else ""))
        else:
            units.append(InputUnit(str(child), child, reader))
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more"
                                          if len(skipped) > 5 else "")
        unit = InputUnit(display, folder, None)
        unit.issues.append(InputIssue(
            display, f"skipped {len(skipped)} file(s) that are not a recognised export: "
                     f"{shown}"))
        units.append(unit)


def _pick(path: Path, forced: Reader | None, walking: bool) -> Reader | None:
    if forced is not None:
        return forced
    return detect_reader(path, walking=walking)


def _holds_only(folder: Path, reader: Reader) -> bool:
    """The folder is one export for `reader`: nothing directly in it belongs to another
    reader (a folder holding a LinkedIn export beside a WhatsApp chat is walked instead)."""
    for child in folder.iterdir():
        if child.name.startswith("."):
            continue
        other = detect_reader(child, walking=True)
        if other is not None and other.name != reader.name:
            return False
    return True


def read_unit(unit: InputUnit, ctx: ReadContext) -> Iterator[Conversation]:
    """The unit's conversations. Never raises: whatever goes wrong becomes a one-line issue
    in `ctx`, and what was read before it is kept."""
    ctx.issues.extend(unit.issues)
    if unit.reader is None:
        return
    try:
        if unit.text is not None:
            from lurewatch.ingest.paste import read_text

            source = unit.reader.name
            if source == "paste":
                yield from read_text(unit.text, ctx)
            else:
                ctx.issues.append(InputIssue("<stdin>", f"--format {source} cannot read "
                                             "standard input; use a file", severity="error"))
            return
        assert unit.path is not None
        yield from unit.reader.read(unit.path, ctx)
    except InputError as exc:
        ctx.issues.append(InputIssue(unit.display, str(exc), severity="error"))
    except MemoryError:
        ctx.issues.append(InputIssue(unit.display, "ran out of memory reading this input",
                                     severity="error"))
    except Exception as exc:  # a broken input must never stop the other inputs
        ctx.issues.append(InputIssue(
            unit.display, f"could not be read ({type(exc).__name__}: {exc})", severity="error"))
