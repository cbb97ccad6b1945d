"""The page loads nothing from outside; the guidance and where to report appear only when needed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from report_html_probe import Probe, sample_report

from lurewatch.model import STAGES
from lurewatch.report.advice import ADVICE_PATH, AdviceError, load_advice, needs_advice
from lurewatch.report.html import render_html, write_html

OFFICIAL_HOSTS = {
    "www.canada.ca", "www.mi5.gov.uk", "www.npsa.gov.uk", "tips.fbi.gov", "www.asio.gov.au",
    "www.nationalsecurity.gov.au", "www.verfassungsschutz.de",
}


def only_low(report: dict) -> dict:
    for conv in report["conversations"]:
        conv["level"], conv["risk"], conv["first_alert"] = "low", 0.05, None
        conv.pop("messages", None)
    return report


def test_sample_page_is_self_contained() -> None:
    page = render_html(sample_report())
    probe = Probe(page)
    advice_links = {link.url for link in load_advice().links()}
    assert not [t for t, _ in probe.tags if t in {"script", "link", "img", "iframe", "object",
                                                  "embed", "base", "form", "svg", "video"}]
    in_page, outside = set(), set()
    for tag, name, value in probe.urls():
        assert (tag, name) == ("a", "href")
        if value.startswith("#"):
            in_page.add(value[1:])
        else:
            outside.add(value)
    assert in_page and in_page <= probe.ids  # every in-page link has a target
    assert outside == advice_links
    css = "".join(probe.styles)
    assert "url(" not in css and "@import" not in css
    # A content security policy forbids any fetch even if something slipped through.
    csp = [a["content"] for t, a in probe.tags if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]


def test_advice_appears_only_when_something_is_medium_or_high() -> None:
    advice = load_advice()
    flagged = render_html(sample_report())
    assert 'id="what-to-do"' in flagged
    for step in advice.what_to_do:
        assert step.title in flagged
    for body in advice.report_to:
        assert body.country in flagged
    for name in ("CSIS", "MI5", "NPSA", "FBI", "ASIO", "BfV", "Recognise", "Remove"):
        assert name in flagged

    calm = render_html(only_low(sample_report()))
    assert 'id="what-to-do"' not in calm
    assert "Where to report" not in calm
    assert not any(link.url in calm for link in advice.links())
    assert "No conversation shows the pattern" in calm
    assert 'id="low"' in calm and "Sarah Okafor" in calm  # low ones are still listed

    one_medium = only_low(sample_report())
    one_medium["conversations"][3]["level"] = "medium"
    assert 'id="what-to-do"' in render_html(one_medium)


def test_page_shows_verdicts_timeline_campaigns_and_input_warnings() -> None:
    page = render_html(sample_report())
    probe = Probe(page)
    assert "2 conversations look like a covert recruitment approach" in page
    assert "High risk · 93%" in page and "Medium risk · 58%" in page
    badges = [a for t, a in probe.tags if "badge" in (a.get("class") or "").split()]
    verdicts = [
        "High risk, risk score 93%", "High risk, risk score 88%", "Medium risk, risk score 58%"
    ]
    assert [b["aria-label"] for b in badges] == verdicts * 2  # at a glance, then the cards
    # Highest risk first, then medium.
    assert page.index("Vivian K. (LinkedIn") < page.index("Vivian Kwok") < page.index("Mark Chen:")
    assert "2 Mar 2023 – 3 Mar 2023 · 3 messages" in page  # LinkedIn leg
    assert "3 Mar 2023 – 17 Mar 2023 · 5 messages" in page  # then WeChat
    assert "moved to WeChat" in page
    assert "first warning" in page and "message 3 (3 Mar 2023, 09:12 UTC)" in page
    assert "Why it matters" in page and load_advice().for_stage("secrecy").why in page
    assert 'href="#conv-1"' in page and 'href="#conv-5"' in page  # campaign links to cards
    assert "messages.csv line 88" in page and "2 problems while reading" in page
    # The profile address is shown but never made clickable.
    assert "https://www.linkedin.com/in/vivian-k-kbt-0a1b2c" in page
    assert 'href="https://www.linkedin.com' not in page
    # Headings make an outline a screen reader can follow.
    heads = [t for t, _ in probe.tags if t in {"h1", "h2", "h3"}]
    assert heads[0] == "h1" and heads.count("h1") == 1


def test_advice_data_covers_every_stage_and_uses_official_https_addresses() -> None:
    advice = load_advice()
    for stage in STAGES:
        info = advice.for_stage(stage)
        assert info.title and info.why and info.source, stage
    assert {b.country for b in advice.report_to} >= {
        "Canada", "United Kingdom", "United States", "Australia", "Germany"
    }
    hosts = {urlsplit(link.url).hostname for link in advice.links()}
    assert hosts <= OFFICIAL_HOSTS
    assert all(link.url.startswith("https://") for link in advice.links())
    assert [s.title for s in advice.framework_steps] == ["Recognise", "Realise", "Report", "Remove"]
    assert advice.for_stage("made_up_stage").title == "Made up stage"
    assert needs_advice(["low", "medium"]) and not needs_advice(["low", "unknown"])


def _write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(ADVICE_PATH.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "advice.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_broken_advice_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    missing = _write_variant(tmp_path, lambda d: d["stages"].pop("secrecy"))
    with pytest.raises(AdviceError, match="secrecy"):
        load_advice(missing)
    plain_http = _write_variant(
        tmp_path, lambda d: d["report_to"][0]["links"][0].update(url="http://example.org/")
    )
    with pytest.raises(AdviceError, match="not https"):
        load_advice(plain_http)
    not_yaml = tmp_path / "bad.yaml"
    not_yaml.write_text("stages: [unclosed", encoding="utf-8")
    with pytest.raises(AdviceError, match=r"bad\.yaml"):
        load_advice(not_yaml)


def test_write_html_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    write_html(sample_report(), target)
    first = target.read_text(encoding="utf-8")
    write_html(only_low(sample_report()), target)
    assert target.read_text(encoding="utf-8") != first
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]
