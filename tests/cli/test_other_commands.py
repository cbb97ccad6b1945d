"""`profile`, `campaigns` and `export` as a person or a security team runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import stix2

from tests.cli.conftest import EXAMPLES, load, run

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "tests" / "fixtures" / "profile"


def test_profile_json_of_the_fake_fellow_is_risky_with_reasons(cli) -> None:
    result = run(cli, "profile", str(PROFILES / "caltech_fellow.json"), "--json")
    assert result.exit_code == 0
    review = json.loads(result.output)
    assert review["risk"] >= 0.5
    assert any("ambassador" in r.casefold() or "white house" in r.casefold()
               for r in review["reasons"])


def test_profile_text_pasted_on_stdin(cli) -> None:
    text = (PROFILES / "rachel_li_bfv.txt").read_text("utf-8")
    result = run(cli, "profile", "-", "--json", input=text)
    assert result.exit_code == 0
    review = json.loads(result.output)
    assert review["name"] == "Rachel Li"
    assert review["risk"] > 0.3


def test_profile_genuine_recruiter_is_low(cli) -> None:
    result = run(cli, "profile", str(PROFILES / "genuine_recruiter.txt"), "--json")
    assert json.loads(result.output)["risk"] < 0.2


def test_profile_bad_input_is_one_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text("{broken", "utf-8")
    result = run(cli, "profile", str(bad))
    assert result.exit_code == 2 and "p.json" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def _two_targets(tmp: Path) -> Path:
    """The same persona and WeChat id writing to two people, as canonical JSON Lines."""
    lines = []
    for n, owner in enumerate(("Daniel Roy", "Aiko Tanaka")):
        day = f"2026-03-0{n + 1}"
        lines.append(json.dumps({
            "id": f"t-{n}", "owner": owner,
            "counterpart": {"name": "Rachel Li", "company": "RiseHR"},
            "messages": [
                {"sender": "counterpart", "platform": "linkedin", "ts": f"{day}T09:00:00Z",
                 "text": f"Dear {owner.split()[0]}, I help European experts share insights with "
                         "our Asian clients. We pay EUR 2,000 for a short analysis. Please add "
                         "me on WeChat: rachel_rise88"},
                {"sender": "counterpart", "platform": "wechat", "ts": f"{day}T19:00:00Z",
                 "text": "Our clients want the internal view, not what is in the press. Please "
                         "keep this between us."},
            ]}))
    path = tmp / "two.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_campaigns_groups_one_operator_across_targets(cli, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    result = run(cli, "campaigns", str(_two_targets(tmp_path)), "--json", str(out))
    assert result.exit_code == 0
    campaigns = load(out)["campaigns"]
    assert len(campaigns) == 1
    assert sorted(campaigns[0]["conversation_ids"]) == ["t-0", "t-1"]
    assert any(i["value"] == "rachel_rise88" for i in campaigns[0]["indicators"])
    assert campaigns[0]["reasons"]


def test_export_from_a_saved_report_is_redacted_and_strict(cli, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    assert run(cli, "scan", str(_two_targets(tmp_path)), "--json", str(report), "-q"
               ).exit_code == 0
    stix_out, misp_out, csv_out = tmp_path / "b.json", tmp_path / "m.json", tmp_path / "i.csv"
    result = run(cli, "export", str(report), "--stix", str(stix_out), "--misp", str(misp_out),
                 "--csv", str(csv_out))
    assert result.exit_code == 0, result.output
    bundle_text = stix_out.read_text("utf-8")
    bundle = stix2.parse(bundle_text, allow_custom=False)
    types = {o.type for o in bundle.objects}
    assert {"campaign", "indicator", "attack-pattern", "report"} <= types
    for owner in ("Daniel Roy", "Aiko Tanaka"):  # redacted by default
        assert owner not in bundle_text and owner not in misp_out.read_text("utf-8")
    assert "rachel_rise88" in bundle_text
    rows = list(csv.DictReader(csv_out.open(encoding="utf-8")))
    assert any(r["value"] == "rachel_rise88" for r in rows)


def test_export_no_redact_keeps_owner_and_needs_asking(cli, tmp_path: Path) -> None:
    out = tmp_path / "b.json"
    result = run(cli, "export", str(_two_targets(tmp_path)), "--stix", str(out), "--no-redact")
    assert result.exit_code == 0
    assert "Daniel Roy" in out.read_text("utf-8")


def test_export_needs_a_target(cli) -> None:
    result = run(cli, "export", str(EXAMPLES))
    assert result.exit_code == 2 and "--stix" in result.output
