"""Scanning with worker processes gives exactly the serial result, in input order."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import EXAMPLES, load, run


def test_two_workers_give_the_serial_report(cli, tmp_path: Path) -> None:
    serial, parallel = tmp_path / "s.json", tmp_path / "p.json"
    assert run(cli, "scan", str(EXAMPLES), "--json", str(serial), "-q", "--jobs", "1"
               ).exit_code == 0
    assert run(cli, "scan", str(EXAMPLES), "--json", str(parallel), "-q", "--jobs", "2"
               ).exit_code == 0
    a, b = load(serial), load(parallel)
    for report in (a, b):
        report.pop("generated_at")
    assert a == b
    assert [c["id"] for c in b["conversations"]] == [c["id"] for c in a["conversations"]]
