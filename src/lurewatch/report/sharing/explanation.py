"""The plain-language explanation that travels with an export (STIX note, MISP event
report): why the conversations were flagged and grouped, with each evidence span, the
detector's reason and the public guidance it rests on."""

from __future__ import annotations

from typing import Any

from lurewatch.report.sharing.attack import techniques_for_stages
from lurewatch.report.sharing.selection import (
    conversation_indicators,
    counterpart_name,
    dicts,
    number,
    strings,
    suspicious_profile,
)
from lurewatch.report.sharing.stix_patterns import SERVICE_LABELS


def campaign_explanation(
    campaign: dict[str, Any] | None,
    conversations: list[dict[str, Any]],
    *,
    include_messages: bool = False,
) -> str:
    """Text for one campaign (or, with `campaign` None, for one ungrouped conversation).

    `include_messages` adds the message excerpts the report carries; the caller passes
    True only for `--no-redact` (a redacted report carries evidence spans only anyway)."""
    lines: list[str] = []
    if campaign is not None:
        personas = ", ".join(strings(campaign.get("personas"))) or "unnamed"
        lines.append(f"Campaign {campaign['id']}: {len(conversations)} conversation(s) "
                     f"exported, persona(s): {personas}.")
        reasons = strings(campaign.get("reasons"))
        if reasons:
            lines.append("Grouped because: " + "; ".join(reasons) + ".")
        lines.append("Attribution: " + attribution_text(campaign.get("attribution")) + ".")
    for conv in conversations:
        lines.append("")
        lines.extend(_conversation_lines(conv, include_messages=include_messages))
    stages = {s.get("stage") for c in conversations for s in dicts(c.get("stages"))}
    techniques = techniques_for_stages(
        (s for s in stages if isinstance(s, str)),
        suspicious_profile=any(suspicious_profile(c) for c in conversations),
    )
    if techniques:
        lines.append("")
        lines.append("MITRE ATT&CK: " + "; ".join(f"{t.id} {t.name} ({t.why})"
                                                   for t in techniques) + ".")
    lines.append("")
    lines.append("Produced by lurewatch from the owners' own message exports. A flag is a "
                 "reason to verify the contact, not proof; genuine recruiters, expert networks "
                 "and conferences can use the same words.")
    return "\n".join(lines).strip() + "\n"


def attribution_text(attribution: Any) -> str:
    if isinstance(attribution, str) and attribution.strip() \
            and attribution.strip().lower() != "unknown":
        return attribution.strip()
    if isinstance(attribution, dict) and isinstance(attribution.get("name"), str) \
            and attribution["name"].strip():
        text = attribution["name"].strip()
        source = attribution.get("source")
        return f"{text} (source: {source})" if isinstance(source, str) and source else text
    return "unknown (lurewatch groups conversations by shared handles, wording and timing; "\
        "it does not say who runs them)"


def _conversation_lines(conv: dict[str, Any], *, include_messages: bool) -> list[str]:
    first_alert = conv.get("first_alert")
    alert = f", first alert at message {first_alert}" if isinstance(first_alert, int) else ""
    who = counterpart_name(conv)
    platforms = " -> ".join(strings(conv.get("platforms")))
    lines = [
        f"Conversation {conv['id']}"
        + (f" with {who}" if who else "")
        + f": risk {number(conv.get('risk')):.2f} ({conv.get('level', 'unknown')}){alert}"
        + (f"; platforms {platforms}" if platforms else "") + "."
    ]
    for reason in strings(conv.get("reasons")):
        lines.append(f"  {reason}")
    for stage in dicts(conv.get("stages")):
        evidence = stage.get("evidence")
        quoted = f' "{evidence}"' if isinstance(evidence, str) and evidence else ""
        lines.append(
            f"  - message {stage.get('message_index')}, {stage.get('stage')} "
            f"(confidence {number(stage.get('confidence')):.2f}):{quoted}"
            f" - {stage.get('explanation') or 'no explanation given'}"
            f" [source: {stage.get('source') or 'not given'}]"
        )
    profile = conv.get("profile")
    if isinstance(profile, dict):
        reasons = "; ".join(strings(profile.get("reasons"))) or "no reasons given"
        lines.append(f"  Profile risk {number(profile.get('risk')):.2f}: {reasons}.")
    indicators = [
        f"{SERVICE_LABELS.get(i['type'], i['type'])} {i['value']}"
        + (f" (message {i['message_index']})" if i["message_index"] is not None else "")
        for i in conversation_indicators(conv)
    ]
    if indicators:
        lines.append("  Indicators: " + "; ".join(indicators) + ".")
    if include_messages:
        for msg in dicts(conv.get("messages")):
            lines.append(f"  [{msg.get('index')}] {msg.get('sender')} "
                         f"({msg.get('platform')}, {msg.get('ts')}): {msg.get('text', '')}")
    return lines
