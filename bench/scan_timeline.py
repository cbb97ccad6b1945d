"""When each phase of one `lurewatch scan` happens: the first conversation back from the
workers, the stream's progress, campaign grouping and writing the report, in seconds from
the start of the command. Shows what a wall-clock figure is made of (start-up, streaming,
the serial tail) where cProfile, which sees one process, cannot.

    .venv/bin/python bench/scan_timeline.py /tmp/li100k_unique --json /tmp/out.json -q

Arguments are `lurewatch scan`'s own. Prints to standard error.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from typing import Any

START = time.perf_counter()
MILESTONES = (1, 1_000, 5_000, 10_000, 50_000, 100_000)


def stamp(what: str) -> None:
    print(f"{time.perf_counter() - START:8.2f} s  {what}", file=sys.stderr, flush=True)


def timed(module: Any, name: str) -> None:
    original: Callable[..., Any] = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stamp(f"{name} starts")
        try:
            return original(*args, **kwargs)
        finally:
            stamp(f"{name} ends")

    setattr(module, name, wrapper)


def count_conversations(module: Any, name: str) -> None:
    original: Callable[..., Any] = getattr(module, name)
    seen = [0]

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen[0] += 1
        if seen[0] in MILESTONES:
            stamp(f"conversation {seen[0]:,} back")
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def main() -> None:
    import lurewatch.campaigns.group as group
    import lurewatch.report.json_report as json_report
    import lurewatch.runner as runner
    from lurewatch.cli import main as cli_main

    stamp("imports done")
    timed(group, "group_features")
    timed(json_report, "write_json")
    count_conversations(runner, "conversation_entry")
    sys.argv = ["lurewatch", "scan", *sys.argv[1:]]
    try:
        cli_main()
    finally:
        stamp("exit")


if __name__ == "__main__":  # workers start from a clean process and import this module
    main()
