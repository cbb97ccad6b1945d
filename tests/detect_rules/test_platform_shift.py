"""The platform-shift detector on stitched timelines: the first message on a new platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lurewatch.detect.shift import PlatformShiftDetector
from lurewatch.model import Conversation, Message

T0 = datetime(2026, 3, 11, 8, 2, tzinfo=UTC)


def message(sender: str, platform: str, days: float | None, text: str) -> Message:
    ts = T0 + timedelta(days=days) if days is not None else None
    return Message(sender, platform, text, ts)  # type: ignore[arg-type]


def test_linkedin_to_whatsapp_is_found_at_the_first_whatsapp_message() -> None:
    conv = Conversation("s", [
        message("counterpart", "linkedin", 0, "Thanks for connecting, Daniel!"),
        message("counterpart", "linkedin", 0.2, "Could you add me on WhatsApp? +44 7700 900123"),
        message("counterpart", "whatsapp", 1, "  Hi Daniel, Vivian here 😊 much easier here.\n"
                                              "Our client would like a short report."),
        message("owner", "whatsapp", 1.1, "Hi Vivian."),
    ])
    [finding] = PlatformShiftDetector().detect(conv, [])
    text = conv.messages[2].text
    assert finding.stage == "platform_shift" and finding.message_index == 2
    assert finding.evidence == text[finding.start:finding.end]
    assert finding.evidence == "Hi Daniel, Vivian here 😊 much easier here."
    assert finding.confidence == 0.9  # messenger 0.8, within three days +0.1
    assert finding.explanation.reason == ("the conversation moved from LinkedIn to WhatsApp "
                                          "1 day after first contact")
    assert finding.explanation.detector == "shift"
    assert "CSIS 2023" in finding.explanation.source


def test_each_platform_counts_once_and_email_weighs_less() -> None:
    conv = Conversation("s", [
        message("counterpart", "linkedin", 0, "Hello"),
        message("counterpart", "email", 10, "Dear Daniel, as promised the details."),
        message("counterpart", "linkedin", 11, "Did you get my e-mail?"),
        message("counterpart", "email", 12, "Reminder"),
    ])
    [finding] = PlatformShiftDetector().detect(conv, [])
    assert finding.message_index == 1
    assert finding.confidence == 0.5 and finding.explanation.context_adjustment == 0
    assert "10 days after first contact" in finding.explanation.reason


def test_without_timestamps_and_with_empty_text() -> None:
    conv = Conversation("s", [
        message("counterpart", "linkedin", None, "Hello"),
        message("counterpart", "wechat", None, ""),
    ])
    [finding] = PlatformShiftDetector().detect(conv, [])
    assert (finding.start, finding.end, finding.evidence) == (0, 0, "")
    assert finding.confidence == 0.8
    assert finding.explanation.reason == "the conversation moved from LinkedIn to WeChat"


def test_single_platform_has_no_shift() -> None:
    conv = Conversation("s", [message("counterpart", "whatsapp", 0, "Hi"),
                              message("owner", "whatsapp", 1, "Hello")])
    assert PlatformShiftDetector().detect(conv, []) == []
    assert PlatformShiftDetector().detect(Conversation("e", []), []) == []
