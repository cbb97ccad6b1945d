"""Normalised handles, so the same person is recognised across exports and platforms."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive form of a display name."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().casefold()


def normalise_phone(raw: str, region: str | None = None) -> str | None:
    """E.164 form of a phone number, or None when it is not a plausible number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_linkedin_url(url: str) -> str:
    """`https://www.linkedin.com/in/vivian-k-123/?trk=x` -> `linkedin.com/in/vivian-k-123`."""
    url = url.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    url = re.sub(r"^https?://", "", url, flags=re.I)
    url = re.sub(r"^([a-z]{2,3}|www)\.linkedin\.com", "linkedin.com", url, flags=re.I)
    return url.casefold()


def normalise_handle(kind: str, value: str) -> str:
    """Normalise an identity or indicator value of the given type (see model.INDICATOR_TYPES,
    plus "name")."""
    value = value.strip()
    if kind in ("phone", "whatsapp-number"):
        return normalise_phone(value) or re.sub(r"[^\d+]", "", value)
    if kind == "linkedin-url":
        return normalise_linkedin_url(value)
    if kind == "telegram":
        return value.lstrip("@").casefold()
    if kind in ("email", "domain", "wechat-id", "url"):
        return value.casefold() if kind != "url" else value
    if kind in ("name", "company"):
        return normalise_name(value)
    return value
