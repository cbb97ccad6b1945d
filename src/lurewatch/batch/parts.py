"""Part files in the output folder: `part-00007.jsonl` (one compact conversation entry per
line) and `part-00007.meta.json` (its counts and issues). Both are written to a temporary
name and renamed, the entries last, so a part file that exists is complete."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

PLAN_FILE = "plan.json"
SUMMARY_FILE = "summary.json"


def entries_path(out_dir: Path, part: str) -> Path:
    return out_dir / f"{part}.jsonl"


def meta_path(out_dir: Path, part: str) -> Path:
    return out_dir / f"{part}.meta.json"


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A text file that appears at `path` only once it is fully written and on disk."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    with atomic_writer(path) as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
        out.write("\n")


def load_complete_meta(out_dir: Path, part: str, plan: str) -> dict[str, Any] | None:
    """The meta of a part finished under plan `plan`, or None when it must be (re)computed."""
    entries, meta = entries_path(out_dir, part), meta_path(out_dir, part)
    if not entries.is_file() or not meta.is_file():
        return None
    try:
        data = json.loads(meta.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("plan") != plan or data.get("part") != part:
        return None
    return data
