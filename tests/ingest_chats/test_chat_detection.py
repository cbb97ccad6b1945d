"""The registry picks the chat readers by content, among every reader of the project."""

from __future__ import annotations

from pathlib import Path

import pytest
from chat_helpers import FIXTURES

from lurewatch.ingest.registry import detect_reader


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (FIXTURES / "whatsapp" / "WhatsApp Chat with +44 7700 900123.txt", "whatsapp"),
        (FIXTURES / "whatsapp" / "WhatsApp Chat with Cyber Summit Speakers.txt", "whatsapp"),
        (FIXTURES / "whatsapp" / "ios_conference", "whatsapp"),
        (FIXTURES / "telegram" / "full_export" / "result.json", "telegram"),
        (FIXTURES / "telegram" / "single_chat" / "result.json", "telegram"),
        (FIXTURES / "wechat" / "messages.csv", "wechat"),
        (FIXTURES / "wechat" / "zhang_gbk.csv", "wechat"),
    ],
)
def test_detected_by_content(path: Path, expected: str) -> None:
    reader = detect_reader(path)
    assert reader is not None and reader.name == expected
