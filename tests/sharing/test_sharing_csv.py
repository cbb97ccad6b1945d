from __future__ import annotations

import csv

import pytest
from sharing_data import OWNER_STRINGS

from lurewatch.report.sharing.csv_export import COLUMNS, write_indicators_csv


def _read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_indicators_rows(report, tmp_path):
    out = tmp_path / "indicators.csv"
    assert write_indicators_csv(report, out) == 8
    rows = _read(out)
    assert tuple(rows[0]) == COLUMNS
    wechat = [r for r in rows if r["type"] == "wechat-id"]
    assert [(r["conversation_id"], r["campaign_id"], r["first_seen_message"], r["level"],
             r["risk"], r["source"]) for r in wechat] == [
        ("c-0001", "camp-1", "2", "high", "0.93", "message"),
        ("c-0107", "camp-1", "2", "high", "0.96", "message")]
    profile = next(r for r in rows if r["value"].endswith("vivian-kwok-kbt"))
    assert (profile["type"], profile["source"], profile["first_seen_message"]) == (
        "linkedin-url", "profile", "")


def test_redacted_and_low_excluded(report, tmp_path):
    out = tmp_path / "indicators.csv"
    write_indicators_csv(report, out)
    text = out.read_text(encoding="utf-8")
    for private in (*OWNER_STRINGS, "sarah.mitchell", "Airbus"):
        assert private not in text, private
    write_indicators_csv(report, out, redact=False, min_level="low")
    assert "sarah.mitchell@airbus.com" in out.read_text(encoding="utf-8")


def test_formula_cells_are_neutralised(report, tmp_path):
    report["conversations"][0]["indicators"] += [
        {"type": "url", "value": '=HYPERLINK("http://evil.example","click")',
         "message_index": 2},
        {"type": "telegram", "value": "@kbt_vivian", "message_index": 4}]
    out = tmp_path / "indicators.csv"
    write_indicators_csv(report, out)
    values = {r["value"] for r in _read(out)}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in values
    assert "'@kbt_vivian" in values
    assert "+85251234567" in values  # a phone number is left as it is


def test_campaign_only_indicators_are_listed(report, tmp_path):
    report["campaigns"][0]["indicators"].append({"type": "telegram", "value": "kbt_recruit"})
    out = tmp_path / "indicators.csv"
    write_indicators_csv(report, out)
    [row] = [r for r in _read(out) if r["value"] == "kbt_recruit"]
    assert (row["conversation_id"], row["campaign_id"], row["source"], row["level"]) == (
        "", "camp-1", "campaign", "high")


def test_failed_export_leaves_existing_file_alone(report, tmp_path):
    out = tmp_path / "indicators.csv"
    out.write_text("previous export\n", encoding="utf-8")
    with pytest.raises(ValueError):
        write_indicators_csv(report, out, min_level="extreme")
    assert out.read_text(encoding="utf-8") == "previous export\n"
