"""The JSON report file reads back as exactly the report: text in any script, control
characters, floats and nulls survive the fast writer."""

from __future__ import annotations

import json
from pathlib import Path

from lurewatch.report.json_report import write_json
from lurewatch.runner import run_scan

ROOT = Path(__file__).resolve().parents[2]


def test_scan_report_reads_back_unchanged(tmp_path: Path) -> None:
    report = run_scan([str(ROOT / "examples")]).report
    assert report["conversations"]  # the examples do hold conversations
    report["conversations"][0]["title"] = "微信 \x01 tab\t quote\" back\\slash \u2028 é"
    report["conversations"][0]["risk"] = 1e-05
    out = tmp_path / "sub" / "report.json"
    write_json(report, out)
    assert json.loads(out.read_text("utf-8")) == report
    assert out.read_bytes().endswith(b"}\n")
    assert not list(out.parent.glob(".report.json.*"))  # no temporary file left behind
