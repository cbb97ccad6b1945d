"""The funnel as numbers: what a conversation's findings say when read in order.

The threat model's point is that the signal is the *shape* (order and speed of the stages, the
drift from public to non-public, secrecy, unverifiable identity), not alarming words. These
features encode that shape; `score.funnel` weighs them. Each feature has a sentence that says
what it means, so a verdict can explain itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lurewatch.model import STAGES, Finding, Indicator, Message, ProfileReview

# A move off the first platform within this many days of first contact is "at the earliest
# opportunity" (CSIS 2023).
EARLY_SHIFT_DAYS = 3.0

MESSENGER_PLATFORMS = frozenset({"wechat", "whatsapp", "telegram", "signal", "sms", "phone"})
_MESSENGER_WORDS = (
    "wechat", "whatsapp", "telegram", "signal", "微信", "电报", "wx", "vx", "line app", "viber",
)

# Shape features beyond the per-stage strengths, with the sentence each one stands for.
SHAPE_FEATURES: dict[str, str] = {
    "early_shift": "moved (or asked to move) off the first platform within {days} days of "
    "first contact",
    "shift_to_messenger": "the move is to a private messenger rather than a work e-mail",
    "tasking_after_shift": "asked for reports or analyses after moving platforms",
    "paid_tasking": "offered payment for reports or analyses",
    "drift_to_sensitive": "requests drifted from public topics to non-public or internal material",
    "client_after_tasking": "introduced a 'client' or 'colleague' after the tasking began",
    "secrecy_with_tasking": "asked for secrecy around paid work or information requests",
    "travel_with_tasking": "offered travel or meetings alongside paid work",
    "mitigated": "the sender set out compliance safeguards (no confidential information, "
    "employer approval, conflict checks)",
    "profile_risk": "the counterpart's profile shows warning signs",
    # elicitation over time (NCSC/FBI; Ai et al. 2024, SEConvo): request after request
    "repeated_requests": "asked again and again for personal, workplace or non-public details",
    # set by the scorer from the conversation text model (detect.models.text_risk), not here
    "text_risk": "the counterpart's messages read like known approaches and elicitation "
    "attempts rather than ordinary business contact",
}
REQUEST_STAGES = ("info_request_benign", "escalation_sensitive")
REPEATED_REQUESTS_FULL = 4  # this many messages with requests give the feature its full value

FEATURE_NAMES: tuple[str, ...] = tuple(f"stage:{s}" for s in STAGES) + tuple(SHAPE_FEATURES)


@dataclass(slots=True)
class FunnelFeatures:
    values: dict[str, float]
    # first message index at which each feature became non-zero (for first_alert and reasons)
    first_index: dict[str, int]
    shift_days: float | None = None


def _days_between(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return abs((b - a).total_seconds()) / 86400.0


def _is_messenger_shift(finding: Finding, messages: list[Message]) -> bool:
    msg = messages[finding.message_index]
    if msg.platform in MESSENGER_PLATFORMS:
        return True
    lowered = (finding.evidence + " " + finding.explanation.reason).casefold()
    return any(word in lowered for word in _MESSENGER_WORDS)


def _first(findings: list[Finding], stage: str) -> Finding | None:
    return next((f for f in findings if f.stage == stage), None)


def funnel_features(
    findings: list[Finding],
    messages: list[Message],
    profile: ProfileReview | None = None,
    indicators: list[Indicator] | None = None,
    upto: int | None = None,
) -> FunnelFeatures:
    """Features of the conversation read up to message `upto` (inclusive; None = all).

    `findings` must be sorted by message index.
    """
    if upto is not None:
        findings = [f for f in findings if f.message_index <= upto]
    values = dict.fromkeys(FEATURE_NAMES, 0.0)
    first_index: dict[str, int] = {}

    def mark(name: str, value: float, index: int) -> None:
        if value > values[name]:
            values[name] = value
        if value > 0 and name not in first_index:
            first_index[name] = index

    for f in findings:
        mark(f"stage:{f.stage}", f.confidence, f.message_index)

    shift = _first(findings, "platform_shift")
    shift_days: float | None = None
    if shift is not None:
        messenger = _is_messenger_shift(shift, messages)
        if messenger:
            mark("shift_to_messenger", shift.confidence, shift.message_index)
        first_ts = next((m.ts for m in messages if m.ts is not None), None)
        shift_days = _days_between(first_ts, messages[shift.message_index].ts)
        early = shift_days is not None and shift_days <= EARLY_SHIFT_DAYS
        # Without timestamps, "early" means within the first few messages.
        if shift_days is None and shift.message_index <= 3:
            early = True
        if early:
            mark("early_shift", shift.confidence, shift.message_index)

    tasking = _first(findings, "tasking_for_payment")
    if tasking is not None:
        if shift is not None and shift.message_index <= tasking.message_index:
            mark("tasking_after_shift", tasking.confidence, tasking.message_index)
        payment = _first(findings, "payment")
        if payment is not None:
            mark("paid_tasking", min(tasking.confidence, payment.confidence),
                 max(tasking.message_index, payment.message_index))
        for f in findings:
            if f.stage == "escalation_sensitive" and f.message_index >= tasking.message_index:
                mark("drift_to_sensitive", f.confidence, f.message_index)
            if f.stage == "client_introduction" and f.message_index >= tasking.message_index:
                mark("client_after_tasking", f.confidence, f.message_index)
            if f.stage == "travel_meeting":
                mark("travel_with_tasking", min(f.confidence, tasking.confidence),
                     max(f.message_index, tasking.message_index))

    work = [f for f in findings
            if f.stage in ("tasking_for_payment", "payment", "escalation_sensitive")]
    if work:
        for f in findings:
            if f.stage == "secrecy":
                mark("secrecy_with_tasking", f.confidence,
                     max(f.message_index, work[0].message_index))

    requests = sorted({f.message_index for f in findings if f.stage in REQUEST_STAGES})
    if len(requests) >= 2:
        mark("repeated_requests", min(1.0, len(requests) / REPEATED_REQUESTS_FULL), requests[1])

    safeguards = _first(findings, "compliance_safeguards")
    if safeguards is not None:
        mark("mitigated", safeguards.confidence, safeguards.message_index)

    if profile is not None and profile.risk > 0:
        values["profile_risk"] = profile.risk
        first_index["profile_risk"] = 0

    return FunnelFeatures(values, first_index, shift_days)


def describe_feature(name: str, features: FunnelFeatures) -> str:
    """The plain-language sentence for a shape feature."""
    if name == "early_shift" and features.shift_days is not None:
        days = features.shift_days
        if days < 1:
            return "moved (or asked to move) off the first platform the same day as first contact"
        n = round(days)
        return f"moved (or asked to move) off the first platform {n} day{'s' if n != 1 else ''} " \
            "after first contact"
    return SHAPE_FEATURES.get(name, name).format(days=int(EARLY_SHIFT_DAYS))
