"""`run_batch`: score many inputs on a Dask cluster, each work item into its own part file,
and write `summary.json` beside the parts.

Without a scheduler address a local cluster of worker processes is started on 127.0.0.1
(no dashboard; the scheduler's small health endpoint also binds 127.0.0.1 only). Callers
that start it from a script need an `if __name__ == "__main__":` guard: worker processes
are spawned and re-import the main module (the `lurewatch` console script has one).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from lurewatch import __version__
from lurewatch.batch.duplicates import repeated_ids, unpack
from lurewatch.batch.partition import (
    WorkItem,
    choose_shard_bytes,
    input_fingerprint,
    plan_id,
    plan_items,
)
from lurewatch.batch.parts import PLAN_FILE, SUMMARY_FILE, load_complete_meta, write_json_atomic
from lurewatch.batch.worker import run_item
from lurewatch.ingest.base import InputIssue
from lurewatch.ingest.inputs import STDIN, InputUnit, expand_inputs
from lurewatch.ingest.textutil import MAX_LISTED_ISSUES
from lurewatch.model import LEVELS
from lurewatch.pipeline import ScanOptions

SCHEMA = "lurewatch.batch/1"
PLAN_SCHEMA = "lurewatch.batch-plan/1"
CONNECT_TIMEOUT_S = 20


class BatchError(Exception):
    """The run cannot start; the message is the one-line reason."""


@dataclass
class BatchSummary:
    out_dir: Path
    conversations: int = 0
    messages: int = 0
    skipped: int = 0
    levels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    inputs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    parts: int = 0
    parts_resumed: int = 0
    seconds: float = 0.0
    model: str | None = None
    part_files: list[str] = field(default_factory=list)  # complete ones, in plan order

    @property
    def failed_inputs(self) -> list[dict[str, Any]]:
        return [i for i in self.inputs if i["errors"] and i["conversations"] == 0]

    def reached(self, level: str) -> bool:
        """Some conversation is at `level` or above."""
        return any(self.levels.get(lv, 0) for lv in LEVELS[LEVELS.index(level):])


# -- starting --------------------------------------------------------------------------------
def _absolute(options: ScanOptions) -> ScanOptions:
    """Workers may run elsewhere (on shared storage): give them absolute paths."""
    return replace(options, rule_dirs=[Path(d).resolve() for d in options.rule_dirs],
                   weights=Path(options.weights).resolve() if options.weights else None)


def _options_json(options: ScanOptions) -> dict[str, Any]:
    return {"format": options.format, "owner": options.owner,
            "rule_dirs": [str(d) for d in options.rule_dirs],
            "weights": str(options.weights) if options.weights else None}


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None, threads_per_worker: int,
            processes: bool) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"cannot reach the scheduler at {scheduler}: {exc}") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers or os.cpu_count() or 1,
                      threads_per_worker=threads_per_worker, processes=processes,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _load_plan(out: Path, fingerprint: dict[str, Any], resume: bool) -> dict[str, Any] | None:
    path = out / PLAN_FILE
    if not path.exists():
        return None
    if not resume:
        raise BatchError(f"{out} already holds a batch run; add --resume to finish it, "
                         "or choose another folder")
    try:
        plan = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"{path}: cannot read the saved plan ({exc})") from None
    if plan.get("schema") != PLAN_SCHEMA or plan.get("fingerprint") != fingerprint:
        raise BatchError(f"the inputs or options differ from the run saved in {out}; "
                         "start a new run in another folder")
    return plan


def _new_plan(units: list[InputUnit], fingerprint: dict[str, Any], workers: int,
              shard_bytes: int | None) -> dict[str, Any]:
    jsonl_bytes = sum(u.path.stat().st_size for u in units
                      if u.reader is not None and u.reader.name == "jsonl"
                      and u.path is not None and u.path.is_file())
    size = shard_bytes or choose_shard_bytes(jsonl_bytes, workers)
    items = plan_items(units, size)
    plan = {"schema": PLAN_SCHEMA, "fingerprint": fingerprint, "shard_bytes": size,
            "items": [i.to_json() for i in items]}
    plan["id"] = plan_id(plan)
    return plan


# -- running ---------------------------------------------------------------------------------
def run_batch(
    paths: list[str],
    out_dir: Path | str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    threads_per_worker: int = 1,
    options: ScanOptions | None = None,
    resume: bool = False,
    processes: bool = True,
    shard_bytes: int | None = None,
    on_part: Callable[[WorkItem, str], None] | None = None,
) -> BatchSummary:
    """Score `paths` into `out_dir` (part files and summary.json). A failed item is recorded
    in the summary's `failures` with its part named; the other items still finish. With
    `resume`, parts completed by an earlier run of the same plan are kept, not recomputed.
    `on_part(item, outcome)` is called as items finish ("done", "resumed" or "failed")."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    options = _absolute(options or ScanOptions())
    if STDIN in paths:
        raise BatchError("batch reads files; save standard input to a file first")
    units = expand_inputs(paths, options.format)
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise BatchError(f"--out {out_dir}: not a folder")
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = {"inputs": input_fingerprint(units), "options": _options_json(options)}
    plan = _load_plan(out, fingerprint, resume)

    metas: dict[int, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    resumed = 0
    with _client(scheduler, workers, threads_per_worker, processes) as client:
        if plan is None:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})))
            plan = _new_plan(units, fingerprint, n_workers, shard_bytes)
            write_json_atomic(out / PLAN_FILE, plan)
        items = [WorkItem(**i) for i in plan["items"]]
        pending = []
        for item in items:
            meta = load_complete_meta(out, item.part_name, plan["id"]) if resume else None
            if meta is not None:
                metas[item.index], resumed = meta, resumed + 1
                if on_part is not None:
                    on_part(item, "resumed")
            else:
                pending.append(item)
        metas_new, failures = _run_items(client, pending, out, options, plan["id"], on_part)
        metas.update(metas_new)

    summary = _summarise(out, units, items, metas, failures)
    summary.parts, summary.parts_resumed = len(items), resumed
    summary.seconds = round(time.perf_counter() - t0, 3)
    write_json_atomic(out / SUMMARY_FILE, _summary_json(summary, started, scheduler, plan))
    return summary


def _run_items(client: Any, items: list[WorkItem], out: Path, options: ScanOptions, plan: str,
               on_part: Callable[[WorkItem, str], None] | None
               ) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    from distributed import as_completed

    by_future = {
        client.submit(run_item, item, str(out), options, plan, pure=False,
                      key=f"lurewatch-{item.part_name}-{plan}-{os.getpid()}-{time.time_ns()}"):
        item for item in items
    }
    metas: dict[int, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    for future in as_completed(by_future):
        item = by_future[future]
        if future.status == "finished":
            metas[item.index] = future.result()
            outcome = "done"
        else:
            exc = future.exception()
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())
            failures.append({"part": item.part_name, "input": item.display,
                             "start": item.start, "end": item.end,
                             "error": f"{item.describe()}: {reason}"})
            outcome = "failed"
        future.release()
        if on_part is not None:
            on_part(item, outcome)
    failures.sort(key=lambda f: f["part"])
    return metas, failures


# -- summing up ------------------------------------------------------------------------------
def _issue_text(raw: dict[str, Any], base: int | None, part: str) -> tuple[str, str]:
    line = raw["line"]
    if line is None:
        issue = InputIssue(raw["path"], raw["message"], None, raw["severity"])
    elif base is None:  # an earlier shard failed, so lines before this shard are uncounted
        issue = InputIssue(raw["path"], f"({part}, line {line} of the shard) {raw['message']}",
                           None, raw["severity"])
    else:
        issue = InputIssue(raw["path"], raw["message"], base + line, raw["severity"])
    return issue.severity, str(issue)


def _input_entry(unit: InputUnit, items: list[WorkItem], metas: dict[int, dict[str, Any]],
                 failures: list[dict[str, Any]]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": unit.display, "format": unit.reader.name if unit.reader else None,
        "conversations": 0, "messages": 0, "skipped": 0, "warnings": [], "errors": [],
    }
    issues: list[tuple[str, str]] = [(i.severity, str(i)) for i in unit.issues]
    base: int | None = 0
    digests, lines = [], []
    for item in items:
        meta = metas.get(item.index)
        if meta is None:
            base = None
            continue
        for key in ("conversations", "messages", "skipped"):
            entry[key] += meta[key]
        issues.extend(_issue_text(raw, base if item.is_shard else 0, item.part_name)
                      for raw in meta["issues"])
        if item.is_shard and base is not None:
            digests.append(unpack(meta["id_digests"], "<u8"))
            lines.append(unpack(meta["id_lines"], "<i8") + base)
            base += meta["lines"] or 0
    if base is not None and digests:
        source = items[0].source
        for line, first in repeated_ids(np.concatenate(digests), np.concatenate(lines)):
            issues.append(("warning", str(InputIssue(
                source, f"duplicate id (first on line {first}); scored both, since batch "
                "reads each line on its own", line))))
    issues.extend(("error", f["error"]) for f in failures if f["input"] == unit.display)
    listed = 0
    for severity, text in issues:
        if severity == "error":
            entry["errors"].append(text)
        elif listed < MAX_LISTED_ISSUES:
            entry["warnings"].append(text)
            listed += 1
    if listed < sum(1 for s, _ in issues if s != "error"):
        unlisted = sum(1 for s, _ in issues if s != "error") - listed
        entry["warnings"].append(f"{unit.display}: {unlisted} more problems in this input "
                                 "were counted but not listed")
    return entry


def _summarise(out: Path, units: list[InputUnit], items: list[WorkItem],
               metas: dict[int, dict[str, Any]], failures: list[dict[str, Any]]
               ) -> BatchSummary:
    summary = BatchSummary(out_dir=out, failures=failures)
    for input_no, unit in enumerate(units):
        mine = [i for i in items if i.input_no == input_no]
        summary.inputs.append(_input_entry(unit, mine, metas, failures))
    for meta in metas.values():
        summary.conversations += meta["conversations"]
        summary.messages += meta["messages"]
        summary.skipped += meta["skipped"]
        for level, n in meta["levels"].items():
            summary.levels[level] = summary.levels.get(level, 0) + n
    summary.part_files = [f"{i.part_name}.jsonl" for i in items if i.index in metas]
    models = sorted({m["model"] for m in metas.values()})
    summary.model = " | ".join(models) if models else None
    return summary


def _summary_json(summary: BatchSummary, started: datetime, scheduler: str | None,
                  plan: dict[str, Any]) -> dict[str, Any]:
    rate = summary.messages / summary.seconds if summary.seconds else 0.0
    return {
        "schema": SCHEMA,
        "tool": {"name": "lurewatch", "version": __version__, "model": summary.model},
        "started_at": started.isoformat().replace("+00:00", "Z"),
        "seconds": summary.seconds,
        "messages_per_second": round(rate, 1),
        "scheduler": scheduler or "local",
        "plan": plan["id"],
        "counts": {"conversations": summary.conversations, "messages": summary.messages,
                   "skipped": summary.skipped, "parts": summary.parts,
                   "parts_resumed": summary.parts_resumed,
                   "parts_failed": len(summary.failures)},
        "levels": summary.levels,
        "inputs": summary.inputs,
        "failures": summary.failures,
        "parts": summary.part_files,
    }
