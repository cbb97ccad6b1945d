"""The cheap test that lets most messages skip the matchers never skips a message that holds
an indicator: on every message of the project corpus and the examples, and on edge cases
(full-width digits, a sign-off on one line, handles at the very end), extraction with the
prefilter equals extraction without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lurewatch.extract.indicators import _may_hold_indicators, _text_indicators, message_indicators
from lurewatch.model import Message

ROOT = Path(__file__).resolve().parents[2]
EDGE_CASES = [
    "Call me: ＋４４ ７７００ ９００１２３",
    "WX vivian_kbt88",
    "Ping me on TG @vivian_kbt",
    "Best regards, Jane Doe | Northwind Energy Inc.",
    "Kind regards\nJane Doe\nTalent Partner | Kestrel Bridge Consulting Ltd",
    "Mit freundlichen Grüßen, Dr. Anna Keller, Institut für Sicherheitsstudien GmbH",
    "此致 敬礼 北京远景咨询有限公司",
    "see HTTPS://Example.ORG/x",
    "WWW.EXAMPLE.ORG",
    "linkedin.com/in/someone-123",
    "wa.me/447700900123",
    "(202) 555-0143",
    "202.555.0143 is my cell",
    "vivian_kbt88 is my WeChat",
    "we chat at vivian_kbt88",
    "Thanks!",
    "no handles here, just words and 123456 six digits",
]


def _corpus_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "data" / "corpus").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                texts.extend(m["text"] for m in json.loads(line)["messages"])
    return texts


def _unfiltered(text: str, sender: str) -> list[tuple]:
    found = _text_indicators.__wrapped__(text, ("US",))  # type: ignore[attr-defined]
    return [(kind, value, raw, sender) for kind, value, raw in found]


def _filtered(text: str, sender: str) -> list[tuple]:
    message = Message(sender, "linkedin", text)  # type: ignore[arg-type]
    return [(i.type, i.value, i.raw, i.sender) for i in message_indicators(message, 0)]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_prefilter_keeps_edge_cases(text: str) -> None:
    assert _filtered(text, "counterpart") == _unfiltered(text, "counterpart")


def test_prefilter_keeps_every_indicator_of_the_corpus() -> None:
    texts = _corpus_texts()
    assert len(texts) > 1000
    skipped = 0
    for text in texts:
        assert _filtered(text, "counterpart") == _unfiltered(text, "counterpart"), text
        skipped += not _may_hold_indicators(text)
    assert skipped > len(texts) // 10  # and it does spare the matchers for many messages
