"""Scanned conversations built directly from the model types, as the scan pipeline would
hand them to campaign grouping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from lurewatch.model import (
    Conversation,
    Counterpart,
    Indicator,
    Message,
    ScannedConversation,
    Verdict,
)

Builder = Callable[..., ScannedConversation]


def build_scanned(
    cid: str,
    first: str,
    *,
    persona: str | None = None,
    company: str | None = None,
    owner: str = "Daniel Roy",
    owner_org: str | None = None,
    when: datetime = datetime(2024, 3, 4, 9, 0, tzinfo=UTC),
    follow_up: str | None = None,
    indicators: list[Indicator] | None = None,
    risk: float = 0.1,
) -> ScannedConversation:
    messages = [Message("counterpart", "linkedin", first, ts=when)]
    messages.append(Message("owner", "linkedin", "Thanks for reaching out.",
                            ts=when + timedelta(hours=3)))
    if follow_up:
        messages.append(Message("counterpart", "linkedin", follow_up,
                                ts=when + timedelta(hours=20)))
    level = "high" if risk >= 0.7 else "medium" if risk >= 0.4 else "low"
    return ScannedConversation(
        conversation=Conversation(
            id=cid, messages=messages, owner=owner,
            counterpart=Counterpart(name=persona, company=company) if persona else None,
            extra={"owner_org": owner_org} if owner_org else {},
        ),
        findings=[],
        indicators=indicators or [],
        verdict=Verdict(risk=risk, level=level, first_alert=1 if risk >= 0.4 else None),
    )


@pytest.fixture
def scanned() -> Builder:
    return build_scanned
