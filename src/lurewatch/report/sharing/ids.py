"""Stable identifiers: the same report exported twice gives the same ids, so a receiving
platform sees a new version of an object rather than a duplicate.

The ids are derived from content but laid out as version-4 UUIDs: STIX 2.1 asks for UUIDv4
on domain and relationship objects (the OASIS validator rejects a UUIDv5 there in strict
mode), and 122 bits of SHA-256 are as unique as 122 random ones. Cyber-observables keep the
spec's own UUIDv5, which the `stix2` library computes.
"""

from __future__ import annotations

import hashlib
import uuid

# Derived, not random, so anyone can recompute it: uuid5(NAMESPACE_URL, "urn:lurewatch:sharing").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:lurewatch:sharing")


def stable_uuid(*parts: object) -> str:
    """A UUID (v4 layout) over the parts, joined with a separator no value contains."""
    text = "\x1f".join(str(p) for p in parts)
    digest = hashlib.sha256(NAMESPACE.bytes + text.encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def stix_id(object_type: str, *parts: object) -> str:
    return f"{object_type}--{stable_uuid(object_type, *parts)}"
