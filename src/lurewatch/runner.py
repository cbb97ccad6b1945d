"""Paths in, the scan report out: what `scan`, `campaigns`, `export` and the server share."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lurewatch.ingest.inputs import InputUnit
from lurewatch.model import ScannedConversation
from lurewatch.pipeline import InputSummary, Scanner, ScanOptions, tool_info
from lurewatch.report.json_report import build_report, conversation_entry

if TYPE_CHECKING:
    from lurewatch.campaigns.watchlist import Watchlist

# Messages kept per conversation for campaign grouping: openings and early handles.
CAMPAIGN_PREFIX = 10


@dataclass
class ScanRun:
    report: dict[str, Any]
    summaries: list[InputSummary]

    @property
    def failed_inputs(self) -> list[InputSummary]:
        return [s for s in self.summaries if s.failed]


def slim_for_campaigns(scanned: ScannedConversation, keep: int = CAMPAIGN_PREFIX
                       ) -> ScannedConversation:
    """A copy that keeps only the first messages (where templates and handles appear), so
    memory grows with the number of conversations, not of messages. Indicators are all kept;
    findings stay valid for the kept prefix."""
    conv = scanned.conversation
    if len(conv.messages) <= keep:
        return scanned
    return replace(
        scanned,
        conversation=replace(conv, messages=conv.messages[:keep]),
        findings=[f for f in scanned.findings if f.message_index < keep],
    )


def run_scan(
    paths: list[str],
    options: ScanOptions | None = None,
    *,
    watchlists: list[Path] | None = None,
    progress: Any = None,
    scanner: Scanner | None = None,
    units: list[InputUnit] | None = None,
) -> ScanRun:
    """Scan `paths` (or already expanded `units`) into a report dict. `progress` is a rich
    Progress (or None)."""
    from lurewatch.campaigns.watchlist import load_watchlist

    scanner = scanner or Scanner(options)
    watchlist = load_watchlist(watchlists or [])
    with fewer_collections():
        return _run(scanner, watchlist, paths, units, progress)


@contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while a scan builds its many long-lived
    objects (messages, findings, report entries): with the default threshold it ran
    thousands of times over the same growing heap, a fifth of a large scan's time."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], young), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run(scanner: Scanner, watchlist: Watchlist, paths: list[str],
         units: list[InputUnit] | None, progress: Any) -> ScanRun:
    from lurewatch.campaigns.group import campaign_to_report, group_campaigns

    entries: list[dict] = []
    slim: list[ScannedConversation] = []
    task = progress.add_task("scanning", total=None) if progress is not None else None
    on_input: Callable[[InputUnit], None] | None = None
    if progress is not None:
        def on_input(unit: InputUnit) -> None:
            progress.update(task, description=f"reading {unit.display}")
    stream = (scanner.scan_units(units, on_input) if units is not None
              else scanner.scan_paths(paths, on_input))
    for scanned in stream:
        entries.append(conversation_entry(scanned))
        slim.append(slim_for_campaigns(scanned))
        if progress is not None:
            progress.advance(task)
    campaigns = [campaign_to_report(c) for c in group_campaigns(slim, watchlist)]
    inputs = [s.to_report() for s in scanner.summaries]
    return ScanRun(build_report(entries, inputs, campaigns, tool_info(scanner)),
                   list(scanner.summaries))
