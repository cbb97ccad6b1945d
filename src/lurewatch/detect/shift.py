"""A detector for moves the messages themselves make: in a stitched timeline the first
message on a new platform (LinkedIn -> WhatsApp) is the platform shift, whatever words it
uses. CSIS (2023) describes the move to WeChat, WhatsApp or e-mail "at the earliest
opportunity"; the faster the move after first contact, the stronger the finding.
"""

from __future__ import annotations

from datetime import datetime

from lurewatch.detect.base import Detector
from lurewatch.model import Conversation, Explanation, Finding, Indicator

SOURCE = ("CSIS 2023: move the conversation to WeChat, WhatsApp or e-mail at the earliest "
          "opportunity; ASIO Think Before You Link: a push off the platform")
# How strongly a move *to* each platform marks the shift the sources describe: private
# messengers most, e-mail less (genuine recruiters use work e-mail), back to LinkedIn least.
DESTINATION_CONFIDENCE: dict[str, float] = {
    "wechat": 0.8, "whatsapp": 0.8, "telegram": 0.8, "signal": 0.8,
    "sms": 0.6, "phone": 0.6, "email": 0.5, "other": 0.5, "linkedin": 0.35,
}
EARLY_DAYS = 3.0  # a move within this many days of first contact is "early"
EARLY_BONUS = 0.1
MAX_EVIDENCE = 200
_NAMES = {"wechat": "WeChat", "whatsapp": "WhatsApp", "linkedin": "LinkedIn", "email": "e-mail",
          "sms": "SMS", "phone": "phone", "telegram": "Telegram", "signal": "Signal",
          "other": "another platform"}


def _evidence_span(text: str) -> tuple[int, int]:
    """The first line of the message (at most MAX_EVIDENCE characters)."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return start, min(end, start + MAX_EVIDENCE)


def _days(first: datetime | None, now: datetime | None) -> float | None:
    if first is None or now is None:
        return None
    return max(0.0, (now - first).total_seconds() / 86400.0)


def _when(days: float) -> str:
    if days < 1:
        return "within a day of first contact"
    return f"{days:.0f} day{'s' if round(days) != 1 else ''} after first contact"


class PlatformShiftDetector(Detector):
    """One `platform_shift` finding for the first message on each new platform."""

    name = "shift"

    def detect(self, conversation: Conversation, indicators: list[Indicator]) -> list[Finding]:
        messages = conversation.messages
        if not messages:
            return []
        first_ts = next((m.ts for m in messages if m.ts is not None), None)
        seen = {messages[0].platform}
        findings: list[Finding] = []
        for index in range(1, len(messages)):
            message, previous = messages[index], messages[index - 1]
            if message.platform == previous.platform or message.platform in seen:
                continue
            seen.add(message.platform)
            base = DESTINATION_CONFIDENCE.get(message.platform, 0.5)
            days = _days(first_ts, message.ts)
            bonus = EARLY_BONUS if days is not None and days <= EARLY_DAYS else 0.0
            source_name = _NAMES.get(previous.platform, previous.platform)
            target_name = _NAMES.get(message.platform, message.platform)
            reason = f"the conversation moved from {source_name} to {target_name}"
            if days is not None:
                reason += f" {_when(days)}"
            start, end = _evidence_span(message.text)
            findings.append(Finding(
                stage="platform_shift",
                message_index=index,
                start=start,
                end=end,
                evidence=message.text[start:end],
                confidence=round(min(0.99, base + bonus), 3),
                explanation=Explanation(
                    reason=reason,
                    source=SOURCE,
                    detector=self.name,
                    rule_id="shift.platform-change",
                    original_score=base,
                    context_adjustment=bonus,
                    notes=(f"first message on {message.platform}",),
                ),
            ))
        return findings
