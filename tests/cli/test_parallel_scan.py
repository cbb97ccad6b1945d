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


def test_a_main_process_whose_workers_analyse_loads_no_model() -> None:
    """The learned models load on first use; with workers the report still names them
    (the workers' model id), and the main process never loads them."""
    from lurewatch.pipeline import Scanner, ScanOptions
    from lurewatch.runner import run_scan

    main = Scanner(ScanOptions(jobs=2))
    run = run_scan([str(EXAMPLES)], scanner=main)
    assert main._learned is None
    serial = Scanner(ScanOptions(jobs=1))
    assert run.report["tool"]["model"] == serial.model_id
    assert "stage-heads@" in serial.model_id
    assert len(run.report["conversations"]) == len(
        run_scan([str(EXAMPLES)], scanner=serial).report["conversations"])
