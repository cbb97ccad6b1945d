"""`lurewatch batch`: exit codes, one-line errors, and the console script starting a local
process cluster (worker processes re-import the script: the `__main__` guard matters)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli import _register, app
from tests.batch.conftest import load_summary, read_parts
from tests.batch.corpus import write_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    _register()
    return CliRunner()


def invoke(cli: CliRunner, *args: str):
    return cli.invoke(app, ["batch", *args], catch_exceptions=False)


def test_exit_codes_and_fail_on(cli: CliRunner, corpus: Path, scheduler: str,
                                tmp_path: Path) -> None:
    result = invoke(cli, str(corpus), "--out", str(tmp_path / "a"), "--scheduler", scheduler,
                    "--fail-on", "high", "--shard-mb", "0.05")
    assert result.exit_code == 1, result.output
    assert "300 conversations" in result.output and "0 failed" in result.output
    assert f"warning: {corpus}:17: not valid JSON" in result.output
    benign = tmp_path / "benign.jsonl"
    benign.write_text("".join(line + "\n" for line in corpus.read_text("utf-8").splitlines()
                              if '"label": "benign"' in line), encoding="utf-8")
    result = invoke(cli, str(benign), "--out", str(tmp_path / "b"), "--scheduler", scheduler,
                    "--fail-on", "high", "-q")
    assert result.exit_code == 0, result.output
    assert load_summary(tmp_path / "b")["levels"]["high"] == 0


def test_usage_errors_are_one_line(cli: CliRunner, corpus: Path, scheduler: str,
                                   tmp_path: Path) -> None:
    cases = [
        (["--out", str(tmp_path / "o"), "--fail-on", "severe"], "--fail-on must be one of"),
        (["--out", str(tmp_path / "o"), "--scheduler", scheduler, "--workers", "2"],
         "--workers sets up the local cluster"),
        (["--out", str(corpus)], "not a folder"),
        (["--out", str(tmp_path / "o"), "--format", "fax"], "unknown format 'fax'"),
    ]
    for extra, expected in cases:
        result = invoke(cli, str(corpus), *extra)
        assert result.exit_code == 2, (extra, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lurewatch: error: ")
        assert expected in lines[0]


def test_unreadable_input_exits_2_and_names_it(cli: CliRunner, scheduler: str,
                                               tmp_path: Path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    result = invoke(cli, str(junk), "--out", str(tmp_path / "o"), "--scheduler", scheduler,
                    "--format", "jsonl", "-q")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"lurewatch: error: {junk}: binary data, not JSON Lines"


def test_console_script_starts_a_local_process_cluster(tmp_path: Path) -> None:
    script = shutil.which("lurewatch", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the lurewatch console script is not installed in this environment")
    data = write_corpus(tmp_path / "c.jsonl", 60, seed=5)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [script, "batch", str(data), "--out", str(tmp_path / "out"), "--workers", "2",
         "--shard-mb", "0.005", "-q"],
        capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = load_summary(tmp_path / "out")
    assert summary["scheduler"] == "local" and summary["counts"]["parts"] > 2
    assert summary["counts"]["conversations"] == 60 == len(read_parts(tmp_path / "out"))
    assert summary["levels"]["high"] > 15
