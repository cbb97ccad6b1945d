"""End-to-end scan throughput on a synthetic LinkedIn export (issue 3's speed target:
>= 10,000 messages/s on 2 cores). Times the whole `lurewatch scan` process.

    python bench/make_linkedin_export.py /tmp/li100k --messages 100000
    /usr/bin/time -v .venv/bin/lurewatch scan /tmp/li100k --json /tmp/li100k.json -q
    python bench/scan_throughput.py /tmp/li100k          # prints messages/s
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("export", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lurewatch = Path(sys.executable).with_name("lurewatch")
    times = []
    messages = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([str(lurewatch), "scan", str(args.export), "--json", str(out), "-q"],
                           check=False)
            times.append(time.perf_counter() - t0)
            report = json.loads(out.read_text("utf-8"))
            messages = sum(i["messages"] for i in report["inputs"])
    times.sort()
    median = times[len(times) // 2]
    print(f"messages={messages} runs={args.runs} median_s={median:.2f} "
          f"min_s={times[0]:.2f} max_s={times[-1]:.2f} msg_per_s={messages / median:,.0f}")


if __name__ == "__main__":
    main()
