"""Throughput of `lurewatch batch` (Dask, local process cluster) against the single-process
scan, on a generated canonical JSON Lines file of about 100,000 messages. Not part of the
test suite (a run takes minutes); figures and the date are in docs/batch.md:

    PYTHONPATH=src .venv/bin/python bench/bench_batch.py --messages 100000 --workers 1 2

Each configuration is a whole `lurewatch` process (start, cluster start, scoring, writing),
timed from outside; "scanner loop" is the scoring alone, in this process, for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_messages(path: Path, messages: int, seed: int = 7) -> tuple[int, int]:
    """Conversations of about ten messages (playbook and benign templates padded with small
    talk) until `messages` are written; returns (conversations, messages)."""
    sys.path.insert(0, str(ROOT))
    from tests.batch.corpus import make_conversation

    rng = random.Random(seed)
    n = total = 0
    with path.open("w", encoding="utf-8") as out:
        while total < messages:
            record = make_conversation(rng, n, small_talk=8)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n, total = n + 1, total + len(record["messages"])
    return n, total


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
    return seconds


def scanner_loop(path: Path) -> float:
    sys.path.insert(0, str(ROOT / "src"))
    from lurewatch.ingest.base import ReadContext
    from lurewatch.ingest.jsonl import READER
    from lurewatch.pipeline import Scanner

    scanner = Scanner()
    t0 = time.perf_counter()
    for conv in READER.read(path, ReadContext(path=str(path))):
        scanner.scan_conversation(conv)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    lurewatch = shutil.which("lurewatch", path=str(Path(sys.executable).parent))
    if lurewatch is None:
        sys.exit("the lurewatch console script is not installed (make test installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "conversations.jsonl"
        conversations, messages = write_messages(data, args.messages)
        size_mb = data.stat().st_size / 1e6
        print(f"{conversations} conversations, {messages} messages, {size_mb:.1f} MB; "
              f"load average before: {os.getloadavg()[0]:.2f}")
        rows = [("scanner loop (scoring only, 1 process)", scanner_loop(data))]
        rows.append(("lurewatch scan --no-stitch (1 process)", timed(
            [lurewatch, "scan", str(data), "--no-stitch", "-q", "--json",
             str(Path(tmp) / "scan.json")])))
        for n in args.workers:
            out = Path(tmp) / f"batch-{n}"
            rows.append((f"lurewatch batch --workers {n}", timed(
                [lurewatch, "batch", str(data), "--out", str(out), "--workers", str(n),
                 "-q"])))
            parts = json.loads((out / "summary.json").read_text("utf-8"))["counts"]["parts"]
            rows[-1] = (f"{rows[-1][0]} ({parts} parts)", rows[-1][1])
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        print("| run | seconds | messages/s |\n|---|---|---|")
        for name, seconds in rows:
            print(f"| {name} | {seconds:.1f} | {messages / seconds:,.0f} |")


if __name__ == "__main__":  # the batch runs spawn worker processes that re-import __main__
    main()
