"""Redaction for sharing: what leaves the owner's machine names the approacher, not the target.

`redact_report` returns a copy of a scan report in which
- the owners' identities (names, e-mail addresses, phone numbers, profile URLs, handles) are
  removed as fields and masked as `[owner]` wherever they appear in any remaining text,
  evidence spans included;
- message text survives only as the evidence spans the detectors cited (a message with no
  evidence is dropped), and fields that can carry free text of the owner's (conversation
  titles, which are e-mail subjects, input paths, the owner's notes on a profile) are dropped;
- indicators that belong to the owner (sent by the owner, or equal to an owner identity)
  are dropped.
The counterpart (name, company, profile URL, handles) is kept: that is the intelligence.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lurewatch.report.sharing.selection import owner_sent_indicators

MASK = "[owner]"

# Fields that can hold message text, a subject line or the owner's own words. Removed
# wherever they appear, except for the rebuilt `messages[].text` (evidence spans only).
_FREE_TEXT_KEYS = frozenset({
    "text", "excerpt", "snippet", "content", "body", "quote", "subject", "preview",
    "first_message", "message_text", "title", "notes",
})
# Where an input came from can name the owner (`/home/droy/...`) and warnings quote lines.
_INPUT_KEYS_KEPT = ("format", "conversations", "messages", "skipped")
_MESSAGE_KEYS_KEPT = ("index", "sender", "platform", "ts")
_CONVERSATION_KEYS_DROPPED = ("owner", "source", "owner_name", "owner_email", "owner_phone")

_OWNER_IDENTITY_TYPES = frozenset({
    "email", "phone", "whatsapp-number", "wechat-id", "telegram", "linkedin-url",
})
_PHONE_CANDIDATE = re.compile(r"(?<![\d(])\+?\(?\d[\d\s().\-]{5,}\d(?!\d)")
_NAME_SPLIT = re.compile(r"[\s,.;:()\"'/]+")
_PHONE_SUFFIX = 9  # national significant number length: compare ignoring country prefixes
# Name parts this long are masked in any case ("daniel_roy88"); shorter ones only as written
# ("Will", "Li"), so that the words "will" or "long" survive an owner called Will Long.
_ANY_CASE_NAME_PART = 5


@dataclass
class OwnerIdentities:
    """Everything that identifies an owner, gathered from the whole report."""

    names: set[str] = field(default_factory=set)
    literals: set[str] = field(default_factory=set)  # e-mails, URLs, handles
    phone_digits: set[str] = field(default_factory=set)

    def is_owner_value(self, value: str) -> bool:
        low = value.strip().lower()
        if low in {x.lower() for x in self.literals | self.names}:
            return True
        digits = _digits(value)
        return len(digits) >= 7 and any(_same_phone(digits, p) for p in self.phone_digits)


def redact_report(report: dict[str, Any]) -> dict[str, Any]:
    """A redacted deep copy of `report`; the input is never changed."""
    owners = collect_owner_identities(report)
    out = copy.deepcopy(report)
    out.pop("owner", None)
    if isinstance(out.get("inputs"), list):
        out["inputs"] = [
            {k: i[k] for k in _INPUT_KEYS_KEPT if k in i} for i in out["inputs"]
            if isinstance(i, dict)
        ]
    for conv in _dicts(out.get("conversations")):
        _redact_conversation(conv, owners)
    out = _drop_free_text(out)
    masker = _Masker(owners)
    out = masker.walk(out)
    out["redacted"] = True
    return out


def collect_owner_identities(report: dict[str, Any]) -> OwnerIdentities:
    owners = OwnerIdentities()
    _add_owner(owners, report.get("owner"))
    for conv in _dicts(report.get("conversations")):
        _add_owner(owners, conv.get("owner"))
        for key, kind in (("owner_name", "name"), ("owner_email", "literal"),
                          ("owner_phone", "phone")):
            _add_value(owners, kind, conv.get(key))
        for msg in _dicts(conv.get("messages")):
            if msg.get("sender") == "owner":
                _add_value(owners, "name", msg.get("sender_name"))
        # What the owner sent about themselves ("reach me at …") is the owner's identity;
        # companies, domains and links the owner mentions are not (an employer stays visible).
        for ind in owner_sent_indicators(conv):
            if ind.get("type") in _OWNER_IDENTITY_TYPES:
                kind = "phone" if ind["type"] in ("phone", "whatsapp-number") else "literal"
                _add_value(owners, kind, ind.get("value"))
    return owners


def _add_owner(owners: OwnerIdentities, owner: Any) -> None:
    if isinstance(owner, str):
        _add_value(owners, "name", owner)
    elif isinstance(owner, dict):
        for key in ("name", "full_name", "display_name", "names", "aliases"):
            _add_value(owners, "name", owner.get(key))
        for key in ("email", "emails", "profile_url", "url", "urls", "handles", "handle"):
            _add_value(owners, "literal", owner.get(key))
        for key in ("phone", "phones", "phone_number"):
            _add_value(owners, "phone", owner.get(key))


def _add_value(owners: OwnerIdentities, kind: str, value: Any) -> None:
    if isinstance(value, list | tuple | set):
        for v in value:
            _add_value(owners, kind, v)
        return
    if not isinstance(value, str) or not value.strip():
        return
    value = value.strip()
    if kind == "name":
        owners.names.add(value)
    elif kind == "phone":
        digits = _digits(value)
        if len(digits) >= 7:
            owners.phone_digits.add(digits)
        owners.literals.add(value)
    else:
        owners.literals.add(value)
        if "@" in value and not value.startswith("@"):
            local_part = value.split("@", 1)[0]
            # "daniel.roy@…" also appears on its own in signatures and handles.
            if len(local_part) >= 5:
                owners.literals.add(local_part)


def _redact_conversation(conv: dict[str, Any], owners: OwnerIdentities) -> None:
    for key in _CONVERSATION_KEYS_DROPPED:
        conv.pop(key, None)
    if isinstance(conv.get("indicators"), list):  # before messages lose their senders
        sent_by_owner = [id(ind) for ind in owner_sent_indicators(conv)]
        conv["indicators"] = [
            ind for ind in conv["indicators"]
            if isinstance(ind, dict) and id(ind) not in sent_by_owner
            and not (isinstance(ind.get("value"), str) and owners.is_owner_value(ind["value"]))
        ]
    spans = _evidence_by_message(conv)
    if isinstance(conv.get("messages"), list):
        conv["messages"] = _evidence_only_messages(conv["messages"], spans)


def _evidence_by_message(conv: dict[str, Any]) -> dict[int, list[str]]:
    spans: dict[int, list[str]] = {}
    for stage in _dicts(conv.get("stages")):
        idx, evidence = stage.get("message_index"), stage.get("evidence")
        if isinstance(idx, int) and isinstance(evidence, str) and evidence.strip():
            bucket = spans.setdefault(idx, [])
            if evidence not in bucket:
                bucket.append(evidence)
    return spans


def _evidence_only_messages(messages: list[Any], spans: dict[int, list[str]]) -> list[dict]:
    kept = []
    for position, msg in enumerate(messages):
        if not isinstance(msg, dict):
            continue
        idx = msg.get("index", position)
        if not isinstance(idx, int) or idx not in spans:
            continue
        entry = {k: msg[k] for k in _MESSAGE_KEYS_KEPT if k in msg}
        entry["index"] = idx
        entry["text"] = " [...] ".join(spans[idx])
        kept.append(entry)
    return kept


def _drop_free_text(node: Any, *, inside_messages: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            k: _drop_free_text(v, inside_messages=(k == "messages"))
            for k, v in node.items()
            if k not in _FREE_TEXT_KEYS or (k == "text" and inside_messages)
        }
    if isinstance(node, list):
        return [_drop_free_text(v, inside_messages=inside_messages) for v in node]
    return node


class _Masker:
    """Replaces every owner identity in every string value with `[owner]`."""

    def __init__(self, owners: OwnerIdentities) -> None:
        self.phones = owners.phone_digits
        alternatives: list[str] = []
        for literal in sorted(owners.literals, key=len, reverse=True):
            alternatives.append(re.escape(literal))
        for name in sorted(owners.names, key=len, reverse=True):
            alternatives.append(_name_pattern(name))
        case_insensitive = "|".join(f"(?:{a})" for a in alternatives if a)
        self.full = re.compile(case_insensitive, re.IGNORECASE) if case_insensitive else None
        short = sorted({t for n in owners.names for t in _name_tokens(n)
                        if len(t) < _ANY_CASE_NAME_PART},
                       key=len, reverse=True)
        self.short = (
            re.compile("|".join(rf"(?<![^\W_]){re.escape(t)}(?![^\W_])" for t in short))
            if short else None
        )

    def text(self, value: str) -> str:
        if self.full is not None:
            value = self.full.sub(MASK, value)
        if self.short is not None:
            value = self.short.sub(MASK, value)
        if self.phones:
            value = _PHONE_CANDIDATE.sub(self._phone, value)
        return value

    def _phone(self, match: re.Match[str]) -> str:
        digits = _digits(match.group(0))
        if len(digits) >= 7 and any(_same_phone(digits, p) for p in self.phones):
            return MASK
        return match.group(0)

    def walk(self, node: Any) -> Any:
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, dict):
            return {k: self.walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.walk(v) for v in node]
        return node


def _name_pattern(name: str) -> str:
    """The full name (any spacing) and each longer part of it, as whole words."""
    parts = [re.escape(p) for p in name.split()]
    whole = r"\s+".join(parts)
    if _has_cjk(name):
        # Chinese names are written without spaces inside running text: no word boundaries.
        return whole
    tokens = [re.escape(t) for t in _name_tokens(name) if len(t) >= _ANY_CASE_NAME_PART]
    alts = "|".join([whole, *sorted(tokens, key=len, reverse=True)])
    return rf"(?<![^\W_])(?:{alts})(?![^\W_])"


def _name_tokens(name: str) -> list[str]:
    if _has_cjk(name):
        return []
    return [t for t in _NAME_SPLIT.split(name) if len(t) >= 2 and any(c.isalpha() for c in t)]


def _has_cjk(text: str) -> bool:
    return any(unicodedata.name(c, "").startswith("CJK") for c in text)


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _same_phone(a: str, b: str) -> bool:
    n = min(len(a), len(b), _PHONE_SUFFIX)
    return n >= 7 and a[-n:] == b[-n:]


def _dicts(items: Any) -> Iterator[dict[str, Any]]:
    if isinstance(items, Iterable) and not isinstance(items, str | dict):
        for item in items:
            if isinstance(item, dict):
                yield item
