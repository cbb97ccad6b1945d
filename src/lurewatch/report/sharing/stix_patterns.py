"""Indicator type -> STIX 2.1 cyber-observable and pattern, from one table so they agree.

Choices, made so the bundle validates with `stix2` (allow_custom=False) and the OASIS
validator, and so that a pattern matches the observable the same export carries:
- Messaging handles (WeChat, WhatsApp, Telegram) are `user-account` objects with
  `account_login` (what a person types to find the account). The pattern also names the
  service in `account_type`, as analysts expect. The observable itself leaves out an
  `account_type` outside `account-type-ov` (which has no WeChat, WhatsApp or Telegram): the
  OASIS validator's strict mode rejects such a value on an object but not in a pattern, and
  a custom `x-` object or property would break strict validation outright.
- A plain phone number is a `user-account` with only `account_login`: STIX 2.1 has no phone
  observable, and an account on any service registered to that number (WhatsApp, Signal,
  Telegram, WeChat all log in by phone) then matches `[user-account:account_login = '+44…']`.
- E-mail addresses, URLs (profile URLs included) and domains use their own observables.
- A company name has no observable: it is shared in the note and the CSV, not as a pattern.

String literals are escaped as the STIX patterning grammar defines (backslash and single
quote only). The grammar has no escape for control characters, and no real handle, address
or URL contains one, so such a value is refused (`UnpatternableValue`), never emitted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from stix2.v21.vocab import ACCOUNT_TYPE

ACCOUNT_SERVICES: dict[str, str] = {
    "wechat-id": "wechat",
    "whatsapp-number": "whatsapp",
    "telegram": "telegram",
}

SERVICE_LABELS: dict[str, str] = {
    "wechat-id": "WeChat ID",
    "whatsapp-number": "WhatsApp number",
    "telegram": "Telegram handle",
    "phone": "phone number",
    "email": "e-mail address",
    "url": "URL",
    "linkedin-url": "LinkedIn profile URL",
    "domain": "domain",
    "company": "claimed company",
}


class UnpatternableValue(ValueError):
    """The value cannot be written as a STIX string literal (control characters, empty)."""


@dataclass(frozen=True, slots=True)
class Observable:
    """A STIX cyber-observable: its type and the properties that identify it."""

    type: str
    properties: tuple[tuple[str, str], ...]

    def object_properties(self) -> dict[str, str]:
        """The properties for the observable object: strict about open vocabularies."""
        return {k: v for k, v in self.properties
                if not (k == "account_type" and v not in ACCOUNT_TYPE)}


def observable_for(indicator_type: str, value: str) -> Observable | None:
    """The observable an indicator stands for, or None when STIX has none (a company)."""
    _check_literal(value)
    if indicator_type in ACCOUNT_SERVICES:
        return Observable("user-account", (("account_login", value),
                                           ("account_type", ACCOUNT_SERVICES[indicator_type])))
    if indicator_type == "phone":
        return Observable("user-account", (("account_login", value),))
    if indicator_type == "email":
        return Observable("email-addr", (("value", value),))
    if indicator_type in ("url", "linkedin-url"):
        return Observable("url", (("value", value),))
    if indicator_type == "domain":
        return Observable("domain-name", (("value", value),))
    return None


def pattern_for(indicator_type: str, value: str) -> str | None:
    """`[user-account:account_login = 'vivian_kbt88' AND user-account:account_type = 'wechat']`
    and the like; None for types without an observable."""
    observable = observable_for(indicator_type, value)
    if observable is None:
        return None
    terms = [f"{observable.type}:{prop} = {quote(val)}" for prop, val in observable.properties]
    return "[" + " AND ".join(terms) + "]"


def quote(value: str) -> str:
    """A STIX pattern string literal."""
    _check_literal(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _check_literal(value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise UnpatternableValue("empty value")
    bad = [c for c in value if unicodedata.category(c) in ("Cc", "Zl", "Zp")]
    if bad:
        raise UnpatternableValue(
            f"value contains control characters ({', '.join(repr(c) for c in sorted(set(bad)))})"
        )
