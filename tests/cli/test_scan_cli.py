"""CLI behaviour: exit codes, stdin, bad input, formats, version."""

from __future__ import annotations

from pathlib import Path

from lurewatch import __version__
from tests.cli.conftest import EXAMPLES, load, run

HOSTILE_PASTE = (
    "Vivian: Hi Daniel, I represent clients who need short reports on energy policy, "
    "USD 1,500 each.\n"
    "Vivian: Easier on WhatsApp, add me +44 7700 900123\n"
    "Daniel: What would you need?\n"
    "Vivian: For the next one, internal discussions that are not public yet. Keep this "
    "between us, no need to tell your employer.\n"
)


def test_version_and_formats(cli) -> None:
    assert run(cli, "--version").output.strip() == f"lurewatch {__version__}"
    out = run(cli, "formats").output
    for name in ("linkedin", "whatsapp", "telegram", "wechat", "email", "jsonl", "seconvo"):
        assert name in out


def test_paste_on_stdin_is_scanned(cli, tmp_path: Path) -> None:
    result = run(cli, "scan", "-", "--owner", "Daniel", "--json", str(tmp_path / "r.json"),
                 "-q", input=HOSTILE_PASTE)
    assert result.exit_code == 0
    report = load(tmp_path / "r.json")
    assert len(report["conversations"]) == 1
    conv = report["conversations"][0]
    assert conv["level"] in ("medium", "high")
    assert conv["owner"] == "Daniel"


def test_fail_on_sets_exit_1_only_when_met(cli, tmp_path: Path) -> None:
    assert run(cli, "scan", str(EXAMPLES), "-q", "--fail-on", "high").exit_code == 1
    benign = EXAMPLES / "email"
    assert run(cli, "scan", str(benign), "-q", "--fail-on", "medium").exit_code == 0


def test_usage_errors_exit_2_with_one_line(cli, tmp_path: Path) -> None:
    for args in (["scan", str(EXAMPLES), "--min-level", "severe"],
                 ["scan", str(EXAMPLES), "--format", "myspace"],
                 ["scan", str(EXAMPLES), "--rules", str(tmp_path / "nope")]):
        result = run(cli, *args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output


def test_unreadable_input_exits_2_but_the_rest_is_scanned(cli, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 40)
    result = run(cli, "scan", str(garbage), str(EXAMPLES / "email"), "--json",
                 str(tmp_path / "r.json"), "-q")
    assert result.exit_code == 2
    report = load(tmp_path / "r.json")
    assert report["conversations"], "the readable input was still scanned"
    failed = [i for i in report["inputs"] if i["errors"]]
    assert len(failed) == 1 and str(garbage) in failed[0]["errors"][0]
    assert "Traceback" not in result.output


def test_empty_file_named_on_the_command_line_is_an_error(cli, tmp_path: Path) -> None:
    empty = tmp_path / "chat.txt"
    empty.write_bytes(b"")
    result = run(cli, "scan", str(empty), "-q")
    assert result.exit_code == 2
    assert f"{empty}: empty file" in result.output


def test_missing_path_is_reported(cli, tmp_path: Path) -> None:
    result = run(cli, "scan", str(tmp_path / "absent.zip"), "-q")
    assert result.exit_code == 2
    assert "absent.zip" in result.output and "no such file" in result.output


def test_rule_pack_broken_is_a_usage_error(cli, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("pack: x\nrules: [ {id: 1, stage: nonsense} ]\n")
    result = run(cli, "scan", str(EXAMPLES), "--rules", str(tmp_path), "-q")
    assert result.exit_code == 2
    assert "bad.yaml" in result.output
