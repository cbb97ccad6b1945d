"""`lurewatch eval` end to end: tables, JSON, PNG, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from lurewatch.cli import _register, app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "evaluate"


def _run(*args: str):
    _register()
    return CliRunner().invoke(app, ["eval", *args], catch_exceptions=False)


def test_eval_writes_json_and_reliability_png(tmp_path: Path) -> None:
    out, plots = tmp_path / "eval.json", tmp_path / "plots"
    res = _run(str(FIXTURES / "labelled.jsonl"), str(FIXTURES / "enron_sample.jsonl"),
               "--split", "test", "--json", str(out), "--plots", str(plots))
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "lurewatch.eval/1"
    assert data["overall"]["n"] == 7 and data["split"] == "test"
    assert data["decision"]["flagged"] == 'level != "low"'
    assert (plots / "reliability.png").read_bytes().startswith(b"\x89PNG")
    assert "macro F1" in res.output and "first 5 messages" in res.output
    # the broken line is reported with its file and line
    assert "labelled.jsonl:6" in res.output


def test_eval_without_labelled_conversations_exits_2(tmp_path: Path) -> None:
    res = _run(str(FIXTURES / "labelled.jsonl"), "--split", "holdout", "-q")
    assert res.exit_code == 2
    assert "no labelled conversations" in res.output


def test_eval_missing_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    res = _run(str(tmp_path / "nope.jsonl"), "-q")
    assert res.exit_code == 2
    assert "nope.jsonl: no such file or folder" in res.output
    assert "Traceback" not in res.output


def test_eval_reports_intervals_and_calibration_noise(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    res = _run(str(FIXTURES / "labelled.jsonl"), "--json", str(out), "--bootstrap", "200")
    assert res.exit_code == 0, res.output
    spread = json.loads(out.read_text(encoding="utf-8"))["uncertainty"]
    assert spread["resamples"] == 200 and spread["confidence"] == 0.95
    low, high = spread["overall"]["flagged_rate"]
    assert 0.0 <= low <= high <= 1.0
    assert set(spread["early"]) == {"3", "5", "7"}
    assert spread["calibration_noise"]["draws"] == 200
    assert "stratified bootstrap" in res.output and "perfectly calibrated" in res.output


def test_eval_bootstrap_zero_leaves_intervals_out(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    res = _run(str(FIXTURES / "labelled.jsonl"), "--json", str(out), "--bootstrap", "0", "-q")
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text(encoding="utf-8"))["uncertainty"] is None
