"""STIX 2.1 export: a bundle built with the OASIS `stix2` library, no custom content.

For each exported campaign (a conversation in no campaign becomes a campaign of one):
- a `campaign`, `attributed-to` a `threat-actor` or `intrusion-set` when the report names
  one, otherwise to a `threat-actor` of type `unknown` whose aliases are the personas;
- `identity` objects for the targeted organisations (and, with `--no-redact` only, for the
  owners), which the campaign `targets`;
- `attack-pattern` objects with their MITRE ATT&CK reference, which the campaign `uses`;
- per conversation an `observed-data` over the handles, addresses and profile URLs seen, and
  per handle an `indicator` (STIX pattern) that `indicates` the campaign and is `based-on`
  the observed-data;
- a `note` carrying the explanation (evidence spans, reasons, public sources).
A `report` lists everything; all of it is marked TLP:AMBER by default.

Ids are UUIDv5 over content (observables get the spec's own deterministic ids), and every
timestamp is the scan's `generated_at`, so exporting the same report twice gives the same
bundle and a receiving platform versions objects instead of duplicating them.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

from stix2.v21 import (
    TLP_AMBER,
    TLP_GREEN,
    TLP_RED,
    TLP_WHITE,
    URL,
    AttackPattern,
    Bundle,
    Campaign,
    DomainName,
    EmailAddress,
    ExternalReference,
    Identity,
    Indicator,
    IntrusionSet,
    KillChainPhase,
    Note,
    ObservedData,
    Relationship,
    Report,
    ThreatActor,
    UserAccount,
)
from stix2.v21.vocab import INDUSTRY_SECTOR, THREAT_ACTOR_TYPE

from lurewatch.report.sharing.attack import Technique, techniques_for_stages
from lurewatch.report.sharing.explanation import attribution_text, campaign_explanation
from lurewatch.report.sharing.files import write_text_atomic
from lurewatch.report.sharing.ids import stix_id
from lurewatch.report.sharing.redact import redact_report
from lurewatch.report.sharing.selection import (
    campaign_indicators,
    conversation_indicators,
    conversation_window,
    counterpart_name,
    dicts,
    number,
    parse_ts,
    report_time,
    select,
    strings,
    suspicious_profile,
)
from lurewatch.report.sharing.stix_patterns import (
    SERVICE_LABELS,
    UnpatternableValue,
    observable_for,
    pattern_for,
)

TLP_MARKINGS = {"white": TLP_WHITE, "green": TLP_GREEN, "amber": TLP_AMBER, "red": TLP_RED}
_OBSERVABLE_CLASSES = {
    "user-account": UserAccount, "email-addr": EmailAddress, "url": URL,
    "domain-name": DomainName,
}
_TYPE_ORDER = (
    "marking-definition", "identity", "report", "campaign", "threat-actor", "intrusion-set",
    "attack-pattern", "indicator", "observed-data", "user-account", "email-addr", "url",
    "domain-name", "note", "relationship",
)
OBJECTIVE = ("obtain non-public information by recruiting the target: paid 'reports' for "
             "unnamed clients, then meetings with the 'clients' (CSIS 2023)")


def build_stix_bundle(
    report: dict[str, Any],
    *,
    redact: bool = True,
    min_level: str = "medium",
    tlp: str = "amber",
) -> Bundle:
    """A STIX 2.1 bundle for the report's conversations at `min_level` or above."""
    if tlp not in TLP_MARKINGS:
        raise ValueError(f"tlp must be one of {', '.join(TLP_MARKINGS)}, not {tlp!r}")
    source = redact_report(report) if redact else copy.deepcopy(report)
    builder = _BundleBuilder(report_time(source), TLP_MARKINGS[tlp], redacted=redact)
    selection = select(source, min_level)
    for campaign in selection.campaigns:
        members = [c for cid in campaign["conversation_ids"]
                   if (c := selection.conversation(cid)) is not None]
        builder.add_campaign(campaign, members)
    for conv in selection.ungrouped:
        builder.add_campaign(None, [conv])
    return builder.bundle(source, min_level)


def write_stix_bundle(bundle: Bundle, path: Path) -> None:
    write_text_atomic(Path(path), bundle.serialize(pretty=True, ensure_ascii=False) + "\n")


class _BundleBuilder:
    def __init__(self, created: datetime, marking: Any, *, redacted: bool) -> None:
        self.created = created
        self.marking = marking
        self.redacted = redacted
        self.objects: dict[str, Any] = {marking.id: marking}
        self.left_out: list[str] = []
        self.producer = Identity(
            id=stix_id("identity", "producer", "lurewatch"),
            name="lurewatch",
            identity_class="system",
            description="Finds covert recruitment approaches in a person's own message "
                        "exports, offline.",
            created=created, modified=created, object_marking_refs=[marking.id],
        )
        self._add(self.producer)

    # --- one campaign -----------------------------------------------------------------

    def add_campaign(self, campaign: dict[str, Any] | None,
                     conversations: list[dict[str, Any]]) -> None:
        key, name, personas = self._campaign_names(campaign, conversations)
        risk = max([number(c.get("risk")) for c in conversations]
                   + [number((campaign or {}).get("risk"))])
        first_seen, last_seen = self._seen(campaign, conversations)
        reasons = strings((campaign or {}).get("reasons"))
        camp = Campaign(
            id=stix_id("campaign", *key), name=name,
            description=("Grouped because: " + "; ".join(reasons) + ".") if reasons else None,
            aliases=None, objective=OBJECTIVE,
            first_seen=first_seen, last_seen=last_seen,
            confidence=_confidence(risk), **self._common(),
        )
        self._add(camp)
        refs: list[str] = [camp.id]

        actor = self._actor((campaign or {}).get("attribution"), key, personas)
        refs.append(actor.id)
        self._relate(camp.id, "attributed-to", actor.id,
                     confidence=_attribution_confidence((campaign or {}).get("attribution")))

        for identity in self._targets(campaign, conversations):
            refs.append(identity.id)
            self._relate(camp.id, "targets", identity.id)

        stages = {s.get("stage") for c in conversations for s in dicts(c.get("stages"))}
        for technique in techniques_for_stages(
            (s for s in stages if isinstance(s, str)),
            suspicious_profile=any(suspicious_profile(c) for c in conversations),
        ):
            pattern = self._attack_pattern(technique)
            refs.append(pattern.id)
            self._relate(camp.id, "uses", pattern.id)

        seen_here: set[tuple[str, str]] = set()
        for conv in conversations:
            indicators = conversation_indicators(conv)
            observed = self._observed_data(conv, indicators)
            if observed is not None:
                refs.append(observed.id)
            for ind in indicators:
                seen_here.add((ind["type"], ind["value"]))
                indicator = self._indicator(ind, number(conv.get("risk")))
                if indicator is None:
                    continue
                refs.append(indicator.id)
                self._relate(indicator.id, "indicates", camp.id)
                if observed is not None:
                    self._relate(indicator.id, "based-on", observed.id)
        for ind in campaign_indicators(campaign or {}):
            if (ind["type"], ind["value"]) in seen_here:
                continue
            indicator = self._indicator(ind, risk)
            if indicator is not None:
                refs.append(indicator.id)
                self._relate(indicator.id, "indicates", camp.id)

        content = campaign_explanation(campaign, conversations,
                                       include_messages=not self.redacted)
        self._add(Note(
            id=stix_id("note", *key), abstract=f"Why lurewatch flagged: {name}",
            content=content, authors=["lurewatch"],
            object_refs=sorted(set(refs)), **self._common(),
        ))

    def _campaign_names(self, campaign: dict[str, Any] | None,
                        conversations: list[dict[str, Any]]
                        ) -> tuple[tuple[str, ...], str, list[str]]:
        personas = strings((campaign or {}).get("personas")) or sorted(
            {n for c in conversations if (n := counterpart_name(c))})
        handles = sorted(
            f"{i['type']}:{i['value']}"
            for i in (campaign_indicators(campaign) if campaign else [])
            + [i for c in conversations for i in conversation_indicators(c)]
        )
        if campaign is not None:
            label = campaign["id"]
            key = ("campaign", campaign["id"], *sorted(set(handles)), *personas)
        else:
            label = conversations[0]["id"]
            key = ("conversation", label, *sorted(set(handles)), *personas)
        who = f" by {', '.join(personas)}" if personas else ""
        return key, f"Covert recruitment approach {label}{who}", personas

    def _seen(self, campaign: dict[str, Any] | None, conversations: list[dict[str, Any]]
              ) -> tuple[datetime | None, datetime | None]:
        times = [t for c in conversations if (w := conversation_window(c)) for t in w]
        times += [t for e in dicts((campaign or {}).get("timeline"))
                  for k in ("ts", "first_seen", "last_seen", "at") if (t := parse_ts(e.get(k)))]
        if not times:
            return None, None
        return min(times), max(times)

    # --- who -------------------------------------------------------------------------

    def _actor(self, attribution: Any, key: tuple[str, ...], personas: list[str]) -> Any:
        name = None
        if isinstance(attribution, str) and attribution.strip().lower() not in ("", "unknown"):
            name, details = attribution.strip(), {}
        elif isinstance(attribution, dict) and isinstance(attribution.get("name"), str) \
                and attribution["name"].strip():
            name, details = attribution["name"].strip(), attribution
        if name is None:
            return self._add(ThreatActor(
                id=stix_id("threat-actor", "unknown", *key),
                name="Unknown operator" + (f" of {', '.join(personas)}" if personas else ""),
                description="Attribution " + attribution_text(None) + ".",
                threat_actor_types=["unknown"],
                aliases=personas or None, **self._common(),
            ))
        external = _external_reference(details.get("source") or details.get("url"))
        description = details.get("description") if isinstance(details.get("description"),
                                                                   str) else None
        if details.get("kind", details.get("type")) == "intrusion-set":
            return self._add(IntrusionSet(
                id=stix_id("intrusion-set", name.casefold()), name=name,
                description=description,
                external_references=[external] if external else None, **self._common(),
            ))
        types = [t for t in strings(details.get("threat_actor_types")) if t in THREAT_ACTOR_TYPE]
        return self._add(ThreatActor(
            id=stix_id("threat-actor", name.casefold()), name=name, description=description,
            # "spy": gathers information in secret, which is what the funnel is for.
            threat_actor_types=types or ["spy"],
            external_references=[external] if external else None, **self._common(),
        ))

    def _targets(self, campaign: dict[str, Any] | None,
                 conversations: list[dict[str, Any]]) -> list[Identity]:
        out = []
        for org in (campaign or {}).get("targeted_organisations") or []:
            name = org if isinstance(org, str) else org.get("name") if isinstance(org, dict) \
                else None
            if not isinstance(name, str) or not name.strip():
                continue
            wanted = []
            if isinstance(org, dict):
                wanted = strings(org.get("sectors")) + strings([org.get("sector")])
            sectors = sorted({s for s in wanted if s in INDUSTRY_SECTOR})
            out.append(self._add(Identity(
                id=stix_id("identity", "organization", name.strip().casefold()),
                name=name.strip(), identity_class="organization",
                sectors=sectors or None, **self._common(),
            )))
        if not self.redacted:  # only `--no-redact` names the people approached
            for conv in conversations:
                owner = conv.get("owner")
                name = owner.get("name") if isinstance(owner, dict) else owner
                if not isinstance(name, str) or not name.strip():
                    continue
                contact = "; ".join(strings([owner.get(k) for k in ("email", "phone")])) \
                    if isinstance(owner, dict) else ""
                out.append(self._add(Identity(
                    id=stix_id("identity", "individual", name.strip().casefold()),
                    name=name.strip(), identity_class="individual",
                    contact_information=contact or None, **self._common(),
                )))
        return out

    # --- what ------------------------------------------------------------------------

    def _attack_pattern(self, technique: Technique) -> AttackPattern:
        return self._add(AttackPattern(
            id=stix_id("attack-pattern", "mitre-attack", technique.id),
            name=technique.name,
            # The URL goes in the text: strict validation wants a hash beside any reference URL.
            description=f"Seen in covert recruitment approaches: {technique.why}. "
                        f"ATT&CK: {technique.url}",
            external_references=[ExternalReference(
                source_name="mitre-attack", external_id=technique.id)],
            kill_chain_phases=[KillChainPhase(kill_chain_name="mitre-attack",
                                              phase_name=technique.tactic)],
            **self._common(),
        ))

    def _observed_data(self, conv: dict[str, Any], indicators: list[dict[str, Any]]
                       ) -> ObservedData | None:
        refs = []
        for ind in indicators:
            try:
                observable = observable_for(ind["type"], ind["value"])
            except UnpatternableValue:
                continue
            if observable is None:
                continue
            cls = _OBSERVABLE_CLASSES[observable.type]
            sco = cls(**observable.object_properties(), object_marking_refs=[self.marking.id])
            refs.append(self._add(sco).id)
        if not refs:
            return None
        first, last = conversation_window(conv) or (self.created, self.created)
        return self._add(ObservedData(
            id=stix_id("observed-data", conv["id"], *sorted(refs)),
            first_observed=first, last_observed=last, number_observed=1,
            object_refs=sorted(set(refs)), **self._common(),
        ))

    def _indicator(self, ind: dict[str, Any], risk: float) -> Indicator | None:
        try:
            pattern = pattern_for(ind["type"], ind["value"])
        except UnpatternableValue as exc:
            self.left_out.append(f"{SERVICE_LABELS.get(ind['type'], ind['type'])}: {exc}")
            return None
        if pattern is None:
            return None
        ident = stix_id("indicator", pattern)
        if ident in self.objects:
            return self.objects[ident]
        label = SERVICE_LABELS.get(ind["type"], ind["type"])
        return self._add(Indicator(
            id=ident, name=f"{label} {ind['value']}",
            description=f"{label} used by a suspected covert recruiter.",
            indicator_types=["malicious-activity", "attribution"],
            pattern=pattern, pattern_type="stix", pattern_version="2.1",
            valid_from=self.created, confidence=_confidence(risk), **self._common(),
        ))

    # --- plumbing --------------------------------------------------------------------

    def _relate(self, source: str, kind: str, target: str, confidence: int | None = None
                ) -> None:
        self._add(Relationship(
            id=stix_id("relationship", source, kind, target),
            relationship_type=kind, source_ref=source, target_ref=target,
            confidence=confidence, **self._common(),
        ))

    def _common(self) -> dict[str, Any]:
        return {"created": self.created, "modified": self.created,
                "created_by_ref": self.producer.id if hasattr(self, "producer") else None,
                "object_marking_refs": [self.marking.id]}

    def _add(self, obj: Any) -> Any:
        return self.objects.setdefault(obj.id, obj)

    def bundle(self, source: dict[str, Any], min_level: str) -> Bundle:
        content = [o for o in self.objects.values() if o.type != "marking-definition"]
        refs = sorted(o.id for o in content)
        campaigns = sum(1 for o in content if o.type == "campaign")
        description = (
            f"Exported from a lurewatch scan report generated at "
            f"{source.get('generated_at', 'an unknown time')}: conversations at level "
            f"{min_level} or above. "
            + ("Owner identities and message text beyond the evidence spans removed. "
               if self.redacted else "NOT redacted: contains owner identities and messages. ")
            + (f"Left out: {'; '.join(self.left_out)}." if self.left_out else "")
        ).strip()
        report = Report(
            id=stix_id("report", *refs),
            name=f"lurewatch: {campaigns} suspected covert recruitment approach(es)",
            description=description, report_types=["threat-report"],
            published=self.created, object_refs=refs or [self.producer.id],
            **self._common(),
        )
        objects = [*self.objects.values(), report]
        objects.sort(key=lambda o: (_TYPE_ORDER.index(o.type), o.id))
        return Bundle(objects=objects, id=stix_id("bundle", report.id), allow_custom=False)


def _confidence(risk: float) -> int:
    return max(0, min(100, round(risk * 100)))


def _attribution_confidence(attribution: Any) -> int | None:
    value = attribution.get("confidence") if isinstance(attribution, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return _confidence(value) if value <= 1 else max(0, min(100, round(value)))


def _external_reference(source: Any) -> ExternalReference | None:
    if not isinstance(source, str) or not source.strip():
        return None
    # As a description even when it is a URL: strict validation wants a hash beside a URL.
    return ExternalReference(source_name="attribution source", description=source.strip())
