"""Hostile text in any field of the report must reach the page only as inert, escaped text."""

from __future__ import annotations

import copy
from typing import Any

from markupsafe import escape
from report_html_probe import Probe, sample_report

from lurewatch.report.advice import load_advice
from lurewatch.report.display_text import neutralise
from lurewatch.report.html import TEMPLATES, render_html

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{ 7*7 }}{% if 1 %}yes{% endif %}"
RTL = "\u202eexe.txt\u202c and \u2066isolate\u2069"
ANSI = "\x1b[31mred\x07"
LONG = "A" * 120_000 + "<b>end</b>"
PAYLOAD = f"{SCRIPT} {IMG} '{TEMPLATE}' {RTL} {ANSI} &amp; </textarea><svg onload=alert(2)>"


def hostile(tag: str) -> str:
    return f"{PAYLOAD} [{tag}]"


def hostile_report() -> dict[str, Any]:
    """The sample report with every string field replaced by hostile text tagged by its name."""
    report = sample_report()
    report["generated_at"] = hostile("generated_at")
    report["tool"] = {"name": hostile("tool.name"), "version": hostile("tool.version")}
    for i, item in enumerate(report["inputs"]):
        item["path"] = hostile(f"input{i}.path")
        item["format"] = hostile(f"input{i}.format")
        item["warnings"] = [hostile(f"input{i}.warning")]
    for c, conv in enumerate(report["conversations"]):
        conv["id"] = hostile(f"c{c}.id")
        conv["title"] = hostile(f"c{c}.title")
        conv["owner"] = hostile(f"c{c}.owner")
        conv["source"] = hostile(f"c{c}.source")
        conv["counterpart"] = {
            "name": hostile(f"c{c}.name"),
            "headline": hostile(f"c{c}.headline"),
            "company": hostile(f"c{c}.company"),
            "location": hostile(f"c{c}.location"),
            "profile_url": "javascript:alert(document.domain)//" + hostile(f"c{c}.url"),
        }
        conv["reasons"] = [hostile(f"c{c}.reason")]
        conv["profile"] = {"risk": 0.5, "reasons": [hostile(f"c{c}.profile_reason")]}
        conv["indicators"] = [{"type": hostile(f"c{c}.ind_type"), "value": hostile(f"c{c}.ind"),
                               "message_index": 0}]
        for s, stage in enumerate(conv["stages"]):
            stage["explanation"] = hostile(f"c{c}.s{s}.explanation")
            stage["source"] = hostile(f"c{c}.s{s}.source")
            stage["detector"] = hostile(f"c{c}.s{s}.detector")
            stage["evidence"] = hostile(f"c{c}.s{s}.evidence")
            stage.pop("start"), stage.pop("end")  # offsets no longer fit: nothing to highlight
        for m, msg in enumerate(conv.get("messages", [])):
            msg["sender_name"] = hostile(f"c{c}.m{m}.sender")
            msg["text"] = f"before {hostile(f'c{c}.m{m}.text')} {LONG} after"
            msg["ts"] = hostile(f"c{c}.m{m}.ts") if m == 1 else msg["ts"]
    conv = report["conversations"][0]
    # The evidence is now a hostile span inside the hostile message text.
    conv["stages"][0]["message_index"] = 0
    conv["stages"][0]["evidence"] = hostile("c0.m0.text")
    conv["stages"].append({"stage": hostile("stage-name"), "message_index": 1,
                           "evidence": "x", "confidence": "high"})
    conv["platforms"] = [hostile("platform")]
    conv["messages"][2]["platform"] = hostile("msg-platform")
    report["conversations"][1]["level"] = hostile("level")
    report["campaigns"] = [{"id": hostile("camp.id"),
                            "conversation_ids": [hostile("c0.id"), hostile("camp.cid")],
                            "personas": [hostile("camp.persona")],
                            "indicators": [{"type": "wechat-id", "value": hostile("camp.ind")}],
                            "reasons": [hostile("camp.reason")]}]
    return report


def test_hostile_text_is_escaped_everywhere() -> None:
    report = hostile_report()
    page = render_html(copy.deepcopy(report))
    lowered = page.lower()

    for raw in ("<script", "<img", "<svg", "</textarea", "\u202e", "\u2066", "\x1b", "\x07"):
        assert raw not in lowered, raw
    # Template syntax in data is shown as text, never evaluated.
    assert TEMPLATE in page
    # Bidi controls become visible codes.
    assert "[U+202E]exe.txt[U+202C]" in page and "[U+001B]" in page

    shown = [
        "tool.version", "input0.path", "input2.warning", "c0.title", "c0.owner",
        "c0.name", "c0.headline", "c0.company", "c0.location", "c0.url", "c0.reason",
        "c0.profile_reason", "c0.ind", "c0.s1.explanation", "c0.s1.source", "c0.s1.detector",
        "c0.s1.evidence", "c0.m3.sender", "c0.m3.text", "c0.source", "c2.title",
        "c4.m1.text", "camp.id", "camp.persona", "camp.cid", "camp.reason", "camp.ind",
    ]
    for tag in shown:
        assert str(escape(neutralise(hostile(tag)))) in page, f"{tag} not shown escaped"
    # Timestamps that are not dates are shown as given, cut to 40 characters.
    assert str(escape(neutralise(hostile("generated_at")[:40]))) in page
    assert str(escape(neutralise(hostile("c0.m1.ts")[:40]))) in page
    assert "A" * 120_000 + "&lt;b&gt;end&lt;/b&gt;" in page


def test_hostile_messages_keep_every_character_and_highlight_the_payload() -> None:
    report = hostile_report()
    probe = Probe(render_html(copy.deepcopy(report)))
    first = report["conversations"][0]
    for msg in first["messages"]:
        seen = probe.messages[f"conv-1-m{msg['index']}"]
        assert seen.text == neutralise(msg["text"])
    assert probe.messages["conv-1-m0"].marks == [(neutralise(hostile("c0.m0.text")), "ev")]


def test_hostile_page_has_no_active_content() -> None:
    probe = Probe(render_html(hostile_report()))
    advice_links = {link.url for link in load_advice().links()}
    allowed_tags = {
        "html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section",
        "article", "div", "p", "span", "strong", "h1", "h2", "h3", "h4", "h5", "ul", "ol", "li",
        "dl", "dt", "dd", "a", "table", "thead", "tbody", "tr", "th", "td", "details",
        "summary", "mark", "q", "br", "footer",
    }
    assert {tag for tag, _ in probe.tags} <= allowed_tags
    for tag, attrs in probe.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            assert "javascript:" not in (value or "").lower() or name not in {"href", "src"}
    for tag, name, value in probe.urls():
        assert tag == "a" and name == "href"
        assert value in advice_links or (value.startswith("#") and value[1:] in probe.ids), value


def test_odd_types_do_not_break_the_page() -> None:
    report = {
        "conversations": [
            {"id": 7, "level": "high", "risk": "0.9", "first_alert": "2", "stages": "nope",
             "messages": [None, {"index": "x", "text": None, "platform": None}],
             "counterpart": "not a dict", "platforms": None, "indicators": [1, None]},
            {"id": None, "level": "medium", "risk": float("nan"), "stages": [None, {"stage": None}],
             "messages": [{"index": 0, "text": "hi", "ts": "2023-02-30T25:00:00"}]},
            "garbage",
        ],
        "inputs": "nope",
        "campaigns": [None, {"conversation_ids": None}],
    }
    page = render_html(report)
    assert "1 conversation looks like a covert recruitment approach" in page
    assert "2023-02-30T25:00:00" in page  # an unparseable date is shown as given


def test_template_never_switches_escaping_off() -> None:
    template = (TEMPLATES / "report.html.j2").read_text(encoding="utf-8")
    for switch in ("|safe", "| safe", "autoescape false", "Markup("):
        assert switch not in template
