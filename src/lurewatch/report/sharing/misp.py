"""MISP export: one event built offline with PyMISP's data model (no PyMISP API client, so
nothing connects anywhere; object templates come from the copy bundled with PyMISP).

Per exported conversation:
- a `person` object for the persona (role Suspect; name, handles, e-mail, phone numbers,
  messaging services used, claimed employer, profile reasons);
- a `user-account` object per messaging handle or profile, shared when two conversations
  show the same handle, referenced by each persona that `uses` it;
- an `impersonation` object for a persona's professional-network profile (objective
  "Information stealing");
- with `--no-redact` only, a `person` object for the owner (role Target), which the persona
  `targets`.
URLs, domains and e-mail addresses are also event attributes, so MISP correlates them.
The event carries TLP and MITRE ATT&CK galaxy tags and an event report with the explanation.
UUIDs are UUIDv5 over content and the date is the scan's, so re-exports are stable.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pymisp import MISPEvent, MISPObject

from lurewatch.report.sharing.attack import techniques_for_stages
from lurewatch.report.sharing.explanation import campaign_explanation
from lurewatch.report.sharing.files import write_text_atomic
from lurewatch.report.sharing.ids import stable_uuid
from lurewatch.report.sharing.redact import redact_report
from lurewatch.report.sharing.selection import (
    conversation_indicators,
    counterpart_name,
    dicts,
    level_rank,
    number,
    report_time,
    select,
    strings,
    suspicious_profile,
)

TLP_TAGS = {"white": "tlp:white", "green": "tlp:green", "amber": "tlp:amber", "red": "tlp:red"}
# MISP threat levels: 1 high, 2 medium, 3 low.
_THREAT_LEVEL = {2: 1, 1: 2, 0: 3}
# Service names as the `person` template's `instant-messaging-used` list spells them.
_MESSAGING = {"wechat-id": "WeChat", "whatsapp-number": "WhatsApp", "telegram": "Telegram"}
_ACCOUNT_TYPE = {"wechat-id": "wechat", "whatsapp-number": "whatsapp", "telegram": "telegram",
                 "linkedin-url": "linkedin"}
_ATTRIBUTES = {  # indicator type -> (MISP attribute type, category, to_ids)
    "email": ("email-src", "Payload delivery", True),
    "domain": ("domain", "Network activity", True),
    "url": ("url", "Network activity", False),
    "linkedin-url": ("url", "Social network", False),
}


def build_misp_event(
    report: dict[str, Any],
    *,
    redact: bool = True,
    min_level: str = "medium",
    tlp: str = "amber",
) -> MISPEvent:
    """A MISP event for the report's conversations at `min_level` or above."""
    if tlp not in TLP_TAGS:
        raise ValueError(f"tlp must be one of {', '.join(TLP_TAGS)}, not {tlp!r}")
    source = redact_report(report) if redact else copy.deepcopy(report)
    selection = select(source, min_level)
    when = report_time(source)
    conv_ids = sorted(c["id"] for c in selection.conversations)

    event = MISPEvent()
    event.uuid = stable_uuid("misp-event", source.get("generated_at"), *conv_ids)
    personas = sorted({n for c in selection.conversations if (n := counterpart_name(c))})
    event.info = (
        f"lurewatch: {len(selection.conversations)} suspected covert recruitment "
        f"approach(es)" + (f" by {', '.join(personas)}" if personas else "")
    )
    event.set_date(when.date())
    top = max((level_rank(c.get("level")) for c in selection.conversations), default=0)
    event.threat_level_id = _THREAT_LEVEL[top]
    event.analysis = 0  # initial: a person still has to verify the contact
    event.distribution = 0  # your organisation only, until someone decides to share wider
    event.published = False
    event.add_tag(TLP_TAGS[tlp])

    stages = {s.get("stage") for c in selection.conversations for s in dicts(c.get("stages"))}
    for technique in techniques_for_stages(
        (s for s in stages if isinstance(s, str)),
        suspicious_profile=any(suspicious_profile(c) for c in selection.conversations),
    ):
        event.add_tag(technique.misp_galaxy_tag)

    builder = _EventBuilder(event, redacted=redact)
    for conv in selection.conversations:
        builder.add_conversation(conv, selection.campaign_ids_of.get(conv["id"], []))

    for campaign in selection.campaigns:
        members = [c for cid in campaign["conversation_ids"]
                   if (c := selection.conversation(cid)) is not None]
        _add_report(event, f"Campaign {campaign['id']}",
                    campaign_explanation(campaign, members, include_messages=not redact))
    for conv in selection.ungrouped:
        _add_report(event, f"Conversation {conv['id']}",
                    campaign_explanation(None, [conv], include_messages=not redact))
    return event


def write_misp_event(event: MISPEvent, path: Path) -> None:
    write_text_atomic(Path(path), event.to_json(indent=2) + "\n")


class _EventBuilder:
    def __init__(self, event: MISPEvent, *, redacted: bool) -> None:
        self.event = event
        self.redacted = redacted
        self.accounts: dict[tuple[str, str], MISPObject] = {}
        self.attributes: set[tuple[str, str]] = set()

    def add_conversation(self, conv: dict[str, Any], campaign_ids: list[str]) -> None:
        where = f"conversation {conv['id']}" + (
            f" (campaign {', '.join(campaign_ids)})" if campaign_ids else "")
        indicators = conversation_indicators(conv)
        persona = self._persona(conv, indicators, where)
        for ind in indicators:
            account = self._account(ind, conv, where)
            if account is not None:
                self._reference(persona, account, "uses")
            self._attribute(ind, where)
        impersonation = self._impersonation(conv, indicators, where)
        if impersonation is not None:
            self._reference(persona, impersonation, "uses")
        if not self.redacted:
            owner = self._owner(conv, where)
            if owner is not None:
                self._reference(persona, owner, "targets")

    def _persona(self, conv: dict[str, Any], indicators: list[dict[str, Any]], where: str
                 ) -> MISPObject:
        cp = conv.get("counterpart") if isinstance(conv.get("counterpart"), dict) else {}
        name = counterpart_name(conv)
        person = self._object("person", "persona", conv["id"], name or "")
        if name:
            person.add_attribute("full-name", name, uuid=self._uuid(person, "full-name", name))
        else:
            person.add_attribute("alias", "unnamed approacher",
                                 uuid=self._uuid(person, "alias", "unnamed"))
        for ind in indicators:
            kind, value = ind["type"], ind["value"]
            relation = {"wechat-id": "handle", "telegram": "handle", "email": "e-mail",
                        "phone": "phone-number", "whatsapp-number": "phone-number"}.get(kind)
            if relation:
                person.add_attribute(relation, value, uuid=self._uuid(person, relation, value))
        services = sorted({_MESSAGING[i["type"]] for i in indicators if i["type"] in _MESSAGING})
        for service in services:
            person.add_attribute("instant-messaging-used", service,
                                 uuid=self._uuid(person, "im", service))
        occupation = " at ".join(strings([cp.get("headline"), cp.get("company")]))
        if occupation:
            person.add_attribute("occupation", occupation,
                                 uuid=self._uuid(person, "occupation", occupation))
        person.add_attribute("role", "Suspect", uuid=self._uuid(person, "role", "Suspect"))
        profile = conv.get("profile") if isinstance(conv.get("profile"), dict) else {}
        reasons = strings(profile.get("reasons"))
        text = (f"Persona in {where}: risk {number(conv.get('risk')):.2f} "
                f"({conv.get('level')})." + (f" Profile: {'; '.join(reasons)}." if reasons else ""))
        person.add_attribute("text", text, uuid=self._uuid(person, "text"))
        person.comment = f"Suspected covert recruiter, {where}"
        return person

    def _account(self, ind: dict[str, Any], conv: dict[str, Any], where: str
                 ) -> MISPObject | None:
        kind, value = ind["type"], ind["value"]
        if kind not in _ACCOUNT_TYPE:
            return None
        key = (kind, value)
        if key in self.accounts:
            return self.accounts[key]
        account = self._object("user-account", kind, value)
        if kind == "linkedin-url":
            account.add_attribute("link", value, uuid=self._uuid(account, "link"))
            account.add_attribute("user-id", value.rstrip("/").rsplit("/", 1)[-1],
                                  uuid=self._uuid(account, "user-id"))
        else:
            account.add_attribute("username", value, uuid=self._uuid(account, "username"))
        account.add_attribute("account-type", _ACCOUNT_TYPE[kind],
                              uuid=self._uuid(account, "account-type"))
        name = counterpart_name(conv)
        if name:
            account.add_attribute("display-name", name, uuid=self._uuid(account, "display"))
        account.comment = f"Given by the approacher in {where}"
        self.accounts[key] = account
        return account

    def _impersonation(self, conv: dict[str, Any], indicators: list[dict[str, Any]],
                       where: str) -> MISPObject | None:
        urls = [i["value"] for i in indicators if i["type"] == "linkedin-url"]
        if not urls:
            return None
        obj = self._object("impersonation", conv["id"], urls[0])
        name = counterpart_name(conv)
        if name:
            obj.add_attribute("account-name", name, uuid=self._uuid(obj, "account-name"))
        obj.add_attribute("account-url", urls[0], uuid=self._uuid(obj, "account-url"))
        obj.add_attribute("type-of-account", "LinkedIn", uuid=self._uuid(obj, "type-of-account"))
        obj.add_attribute("type", "Person", uuid=self._uuid(obj, "type"))
        obj.add_attribute("objective", "Information stealing", uuid=self._uuid(obj, "objective"))
        obj.comment = (f"Profile posing as a recruiter or consultant, {where}; "
                       "who, if anyone, it imitates is not known")
        return obj

    def _owner(self, conv: dict[str, Any], where: str) -> MISPObject | None:
        owner = conv.get("owner")
        details = owner if isinstance(owner, dict) else {"name": owner}
        name = details.get("name")
        if not isinstance(name, str) or not name.strip():
            return None
        person = self._object("person", "owner", name.strip().casefold())
        person.add_attribute("full-name", name.strip(), uuid=self._uuid(person, "full-name"))
        for relation, key in (("e-mail", "email"), ("phone-number", "phone")):
            value = details.get(key)
            if isinstance(value, str) and value.strip():
                person.add_attribute(relation, value.strip(), uuid=self._uuid(person, relation))
        person.add_attribute("role", "Target", uuid=self._uuid(person, "role"))
        person.comment = f"Person approached, {where} (export made with --no-redact)"
        return person

    def _attribute(self, ind: dict[str, Any], where: str) -> None:
        mapping = _ATTRIBUTES.get(ind["type"])
        key = (ind["type"], ind["value"])
        if mapping is None or key in self.attributes:
            return
        self.attributes.add(key)
        attr_type, category, to_ids = mapping
        self.event.add_attribute(
            attr_type, ind["value"], category=category, to_ids=to_ids,
            uuid=stable_uuid("misp-attribute", self.event.uuid, *key),
            comment=f"Used by a suspected covert recruiter, {where}",
        )

    def _object(self, template: str, *key: str) -> MISPObject:
        uuid = stable_uuid("misp-object", self.event.uuid, template, *key)
        existing = next((o for o in self.event.objects if o.uuid == uuid), None)
        if existing is not None:
            return existing
        obj = MISPObject(template, strict=True)
        obj.uuid = uuid
        return self.event.add_object(obj)

    def _reference(self, source: MISPObject, target: MISPObject, relationship: str) -> None:
        uuid = stable_uuid("misp-reference", source.uuid, relationship, target.uuid)
        if any(r.uuid == uuid for r in source.references):
            return
        source.add_reference(target.uuid, relationship, uuid=uuid)

    @staticmethod
    def _uuid(obj: MISPObject, *parts: str) -> str:
        return stable_uuid("misp-object-attribute", obj.uuid, *parts)


def _add_report(event: MISPEvent, name: str, content: str) -> None:
    event.add_event_report(
        f"lurewatch explanation: {name}", content,
        uuid=stable_uuid("misp-event-report", event.uuid, name),
    )
