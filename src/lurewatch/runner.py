"""Paths in, the scan report out: what `scan`, `campaigns`, `export` and the server share."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lurewatch.ingest.inputs import InputUnit
from lurewatch.pipeline import InputSummary, Scanner, ScanOptions, tool_info
from lurewatch.report.json_report import build_report, conversation_entry

if TYPE_CHECKING:
    from lurewatch.campaigns.features import CampaignFeatures
    from lurewatch.campaigns.watchlist import Watchlist

@dataclass
class ScanRun:
    report: dict[str, Any]
    summaries: list[InputSummary]

    @property
    def failed_inputs(self) -> list[InputSummary]:
        return [s for s in self.summaries if s.failed]


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
    from lurewatch.campaigns.features import campaign_features
    from lurewatch.campaigns.group import campaign_to_report, group_features

    entries: list[dict] = []
    # What campaign grouping needs of each conversation, taken as it streams past, so
    # memory grows with the conversations' openings and handles, not their messages, and
    # the work is done while the workers are still analysing.
    features: list[CampaignFeatures] = []
    task = progress.add_task("scanning", total=None) if progress is not None else None
    on_input: Callable[[InputUnit], None] | None = None
    if progress is not None:
        def on_input(unit: InputUnit) -> None:
            progress.update(task, description=f"reading {unit.display}")
    stream = (scanner.scan_units(units, on_input) if units is not None
              else scanner.scan_paths(paths, on_input))
    for scanned in stream:
        entries.append(conversation_entry(scanned))
        features.append(campaign_features(scanned, len(features)))
        if progress is not None:
            progress.advance(task)
    campaigns = [campaign_to_report(c) for c in group_features(features, watchlist)]
    inputs = [s.to_report() for s in scanner.summaries]
    return ScanRun(build_report(entries, inputs, campaigns, tool_info(scanner)),
                   list(scanner.summaries))
