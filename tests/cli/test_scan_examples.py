"""`lurewatch scan` end to end on the bundled examples: what `make demo` shows."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from tests.cli.conftest import EXAMPLES, load, run


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, cli) -> dict:
    out = tmp_path_factory.mktemp("demo")
    before = _tree_digest(EXAMPLES)
    result = run(cli, "scan", str(EXAMPLES), "--json", str(out / "r.json"),
                 "--html", str(out / "r.html"))
    assert result.exit_code == 0, result.output
    assert _tree_digest(EXAMPLES) == before  # nothing the user gave is altered
    report = load(out / "r.json")
    report["_html"] = (out / "r.html").read_text("utf-8")
    report["_stdout"] = result.output
    return report


def _by_counterpart(report: dict, name: str) -> dict:
    matches = [c for c in report["conversations"]
               if (c.get("counterpart") or {}).get("name", "").startswith(name)]
    assert len(matches) == 1, [c.get("counterpart") for c in report["conversations"]]
    return matches[0]


def test_report_follows_the_contract(demo: dict) -> None:
    assert demo["schema"] == "lurewatch.report/1"
    assert demo["tool"]["name"] == "lurewatch" and demo["tool"]["model"]
    for c in demo["conversations"]:
        assert 0 <= c["risk"] <= 1 and c["level"] in ("low", "medium", "high")
        for s in c["stages"]:
            assert {"stage", "message_index", "confidence", "evidence", "explanation",
                    "source"} <= set(s)
            assert s["evidence"] and s["explanation"] and s["source"]
    formats = {i["format"] for i in demo["inputs"]}
    assert {"linkedin", "whatsapp", "email"} <= formats
    assert all(i["errors"] == [] for i in demo["inputs"])


def test_hostile_approach_is_one_timeline_across_linkedin_and_whatsapp(demo: dict) -> None:
    vivian = _by_counterpart(demo, "Vivian")
    assert vivian["platforms"] == ["linkedin", "whatsapp"]
    assert vivian["level"] == "high"
    stages = {s["stage"] for s in vivian["stages"]}
    assert {"platform_shift", "tasking_for_payment", "secrecy"} <= stages
    # the alert comes before the end of the conversation, on the LinkedIn side or just after
    assert vivian["first_alert"] is not None
    assert vivian["first_alert"] < vivian["message_count"] - 3
    wa_ids = [c["id"] for c in demo["conversations"] if c["id"].startswith("whatsapp:")]
    assert wa_ids == []  # the WhatsApp chat was merged, not reported twice
    assert any(i["type"] == "whatsapp-number" and i["value"] == "+447700900123"
               for i in vivian["indicators"])


def test_genuine_look_alikes_stay_low(demo: dict) -> None:
    for name in ("Priya", "Tom Becker", "Hannah", "Marc"):
        assert _by_counterpart(demo, name)["level"] == "low", name


def test_recruiter_moving_to_company_email_is_stitched_and_low(demo: dict) -> None:
    priya = _by_counterpart(demo, "Priya")
    assert priya["platforms"] == ["linkedin", "email"]


def test_html_and_terminal_show_the_verdict(demo: dict) -> None:
    assert "Vivian" in demo["_html"] and "<script" not in demo["_html"].lower()
    assert "Vivian" in demo["_stdout"]


def test_scan_opens_no_network_connection(cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    result = run(cli, "scan", str(EXAMPLES), "--json", str(tmp_path / "r.json"), "-q")
    assert result.exit_code == 0
    assert attempts == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # writes only where told
