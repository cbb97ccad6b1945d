"""The funnel features of every prefix of a conversation, read in one pass.

The scorer needs the risk after each message that carries a finding (for `first_alert` and
the per-message risk). Computing `score.features.funnel_features` afresh for each such prefix
reads every earlier finding again; here the state (first finding of each stage, running
maxima, request messages) is carried from prefix to prefix instead. The values are exactly
those of `funnel_features(findings, messages, profile, upto=index)` (tests/score check this
on real conversations), in the same key order, so the scorer's weighted sum is the same float.
`first_index` and `shift_days` are not carried: the scorer only needs them for the whole
conversation, which it still computes with `funnel_features`.
"""

from __future__ import annotations

from collections.abc import Iterator

from lurewatch.model import Finding, Message, ProfileReview
from lurewatch.score.features import (
    EARLY_SHIFT_DAYS,
    FEATURE_NAMES,
    REPEATED_REQUESTS_FULL,
    REQUEST_STAGES,
    _days_between,
    _is_messenger_shift,
)

_WORK_STAGES = ("tasking_for_payment", "payment", "escalation_sensitive")


def prefix_feature_values(
    findings: list[Finding], messages: list[Message], profile: ProfileReview | None = None,
) -> Iterator[tuple[int, dict[str, float]]]:
    """(message index, feature values up to and including it) for each message index that
    carries a finding, ascending. `findings` must be sorted by message index."""
    stage_max: dict[str, float] = {}
    shift: Finding | None = None
    tasking: Finding | None = None
    payment: Finding | None = None
    safeguards: Finding | None = None
    shift_values: tuple[float, float] = (0.0, 0.0)  # (shift_to_messenger, early_shift)
    drift = client = travel = secrecy = 0.0
    work = False
    requests: set[int] = set()
    first_ts = None
    if any(f.stage == "platform_shift" for f in findings):
        first_ts = next((m.ts for m in messages if m.ts is not None), None)
    profile_risk = profile.risk if profile is not None and profile.risk > 0 else 0.0

    n = len(findings)
    start = 0
    while start < n:
        index = findings[start].message_index
        end = start
        while end < n and findings[end].message_index == index:
            end += 1
        group = findings[start:end]
        start = end
        for f in group:
            stage, conf = f.stage, f.confidence
            if conf > stage_max.get(stage, 0.0):
                stage_max[stage] = conf
            if stage == "platform_shift" and shift is None:
                shift = f
                shift_values = _shift_values(f, messages, first_ts)
            elif stage == "tasking_for_payment" and tasking is None:
                tasking = f
            elif stage == "payment" and payment is None:
                payment = f
            elif stage == "compliance_safeguards" and safeguards is None:
                safeguards = f
            if stage in _WORK_STAGES:
                work = True
            if stage in REQUEST_STAGES:
                requests.add(f.message_index)
            if stage == "travel_meeting" and conf > travel:
                travel = conf
            if stage == "secrecy" and conf > secrecy:
                secrecy = conf
        if tasking is not None:
            # every finding at or after the tasking's message is in this or a later group
            for f in group:
                if f.message_index < tasking.message_index:
                    continue
                if f.stage == "escalation_sensitive" and f.confidence > drift:
                    drift = f.confidence
                if f.stage == "client_introduction" and f.confidence > client:
                    client = f.confidence

        values = dict.fromkeys(FEATURE_NAMES, 0.0)
        for stage, conf in stage_max.items():
            values[f"stage:{stage}"] = conf
        if shift is not None:
            values["shift_to_messenger"], values["early_shift"] = shift_values
        if tasking is not None:
            t = tasking.confidence
            if shift is not None and shift.message_index <= tasking.message_index and t > 0:
                values["tasking_after_shift"] = t
            if payment is not None:
                values["paid_tasking"] = max(0.0, min(t, payment.confidence))
            values["drift_to_sensitive"] = drift
            values["client_after_tasking"] = client
            values["travel_with_tasking"] = max(0.0, min(travel, t))
        if work:
            values["secrecy_with_tasking"] = secrecy
        if len(requests) >= 2:
            values["repeated_requests"] = min(1.0, len(requests) / REPEATED_REQUESTS_FULL)
        if safeguards is not None and safeguards.confidence > 0:
            values["mitigated"] = safeguards.confidence
        if profile_risk:
            values["profile_risk"] = profile_risk
        yield index, values


def _shift_values(shift: Finding, messages: list[Message], first_ts: object
                  ) -> tuple[float, float]:
    """(shift_to_messenger, early_shift) once the first platform shift is known."""
    conf = shift.confidence if shift.confidence > 0 else 0.0
    messenger = conf if _is_messenger_shift(shift, messages) else 0.0
    days = _days_between(first_ts, messages[shift.message_index].ts)  # type: ignore[arg-type]
    early = days is not None and days <= EARLY_SHIFT_DAYS
    if days is None and shift.message_index <= 3:
        early = True
    return messenger, conf if early else 0.0
