"""The objects that flow through the pipeline: conversations in, findings and verdicts out.

Everything downstream of `ingest/` speaks these types. They mirror the canonical
conversation format (`conversation-jsonl.md`) and the scan report (`report-json.md`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Sender = Literal["owner", "counterpart"]

PLATFORMS: tuple[str, ...] = (
    "linkedin", "wechat", "whatsapp", "email", "telegram", "signal", "sms", "phone", "other",
)

STAGES: tuple[str, ...] = (
    "approach",
    "rapport",
    "platform_shift",
    "info_request_benign",
    "tasking_for_payment",
    "payment",
    "travel_meeting",
    "client_introduction",
    "secrecy",
    "escalation_sensitive",
    "covert_comms",
    "coercion_leverage",
    "inducement_gifts",
    "technical_compromise",
    "urgency_pressure",
    "compliance_safeguards",
)

# Stages that lower suspicion rather than raise it.
MITIGATING_STAGES: frozenset[str] = frozenset({"compliance_safeguards"})

LEVELS: tuple[str, ...] = ("low", "medium", "high")

INDICATOR_TYPES: tuple[str, ...] = (
    "wechat-id", "whatsapp-number", "phone", "email", "telegram", "url", "domain",
    "linkedin-url", "company",
)


@dataclass(slots=True)
class Message:
    sender: Sender
    platform: str
    text: str
    ts: datetime | None = None  # timezone-aware (UTC when the source gave no zone)
    sender_name: str | None = None  # the display name the export showed
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Counterpart:
    name: str
    headline: str | None = None
    company: str | None = None
    location: str | None = None
    profile_url: str | None = None
    connections: int | None = None
    account_age_days: int | None = None
    mutual_connections: int | None = None
    notes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Conversation:
    id: str
    messages: list[Message]
    owner: str | None = None
    counterpart: Counterpart | None = None
    label: str | None = None  # "hostile" / "benign": read only by evaluation and training
    stages: list[str] | None = None  # labelled stages: evaluation and training only
    source: str | None = None  # the input path it came from
    format: str | None = None  # the reader that produced it
    # Identities of the counterpart on this conversation's platform, used to stitch
    # conversations across platforms: e.g. ("whatsapp-number", "+447700900123"),
    # ("email", "vivian@kestrelbridge.com"), ("wechat-id", "vivian_kbt88"),
    # ("name", "vivian k"). Values normalised by `extract.identity.normalise_handle`.
    identities: set[tuple[str, str]] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def platforms(self) -> list[str]:
        """Platforms in order of first appearance."""
        seen: dict[str, None] = {}
        for m in self.messages:
            seen.setdefault(m.platform, None)
        return list(seen)


@dataclass(slots=True, frozen=True)
class Explanation:
    """Why a detector produced a finding: first-class, so every verdict can say why.

    Modelled on presidio's AnalysisExplanation: which detector, which rule or pattern,
    the score before and after context adjustments, the words for a person, the source.
    """

    reason: str  # plain language, for a non-specialist
    source: str  # the public guidance it rests on
    detector: str  # e.g. "rules", "model:stage-head", "profile"
    rule_id: str | None = None
    pattern: str | None = None
    original_score: float | None = None
    context_adjustment: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class Finding:
    stage: str
    message_index: int
    start: int  # character offsets of the evidence in messages[message_index].text
    end: int
    evidence: str  # exactly text[start:end]
    confidence: float
    explanation: Explanation


@dataclass(slots=True, frozen=True)
class Indicator:
    type: str  # one of INDICATOR_TYPES
    value: str  # normalised
    message_index: int | None = None
    raw: str | None = None  # as it appeared
    sender: Sender | None = None


@dataclass(slots=True)
class ProfileReview:
    risk: float
    reasons: list[str]
    missing: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Verdict:
    """What the scorer says about one conversation."""

    risk: float
    level: str
    first_alert: int | None
    reasons: list[str] = field(default_factory=list)  # plain-language summary of the shape
    risk_by_message: list[float] = field(default_factory=list)


@dataclass(slots=True)
class ScannedConversation:
    conversation: Conversation
    findings: list[Finding]
    indicators: list[Indicator]
    verdict: Verdict
    profile: ProfileReview | None = None
