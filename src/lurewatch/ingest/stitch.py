"""Stitching: one approach that crossed platforms becomes one timeline.

When a counterpart gives a handle ("add me on WhatsApp +44 7700 900123", "my WeChat is
vivian_kbt88", "write to vivian@kestrel-bridge.com") and another input holds a conversation
with that handle, both are the same approach: CSIS (2023) describes exactly this move "at the
earliest opportunity". The plan is made from small per-conversation summaries (first pass);
the conversations themselves are merged in the second pass, so memory holds only the
members of stitched groups, never the whole input.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

from lurewatch.extract.identity import normalise_name
from lurewatch.model import Conversation, Indicator
from lurewatch.unionfind import UnionFind

# Indicator types that name a person's account and can therefore identify a conversation.
HANDLE_TYPES = frozenset({"wechat-id", "whatsapp-number", "phone", "email", "telegram",
                          "linkedin-url"})
# A WhatsApp number and a phone number are the same identifier.
_EQUIVALENT = {"whatsapp-number": "phone"}

PLATFORM_WORDS: dict[str, tuple[str, ...]] = {
    "wechat": ("wechat", "微信", "weixin"),
    "whatsapp": ("whatsapp",),
    "telegram": ("telegram", "电报"),
    "signal": ("signal",),
    "email": ("e-mail", "email", "邮箱", "邮件"),
}


def _key(kind: str, value: str) -> tuple[str, str]:
    return (_EQUIVALENT.get(kind, kind), value)


@dataclass(slots=True)
class StitchSummary:
    """What the plan needs to know about one conversation (small: no message text)."""

    key: Hashable
    owner: str | None
    platforms: frozenset[str]
    identities: frozenset[tuple[str, str]]
    mentions: frozenset[tuple[str, str]]  # handles the counterpart gave
    mentioned_platforms: frozenset[str]  # platforms the counterpart's messages name

    @classmethod
    def of(cls, key: Hashable, conv: Conversation, indicators: list[Indicator]) -> StitchSummary:
        mentions = frozenset(
            _key(i.type, i.value) for i in indicators
            if i.type in HANDLE_TYPES and i.sender != "owner"
        )
        said = " ".join(m.text for m in conv.messages if m.sender == "counterpart").casefold()
        named = frozenset(p for p, words in PLATFORM_WORDS.items()
                          if any(w in said for w in words))
        return cls(key, conv.owner, frozenset(conv.platforms),
                   frozenset(_key(k, v) for k, v in conv.identities), mentions, named)


def _owners_compatible(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    first_a, first_b = normalise_name(a).split(" ")[0], normalise_name(b).split(" ")[0]
    # owner may be a name on one platform and an address on another
    return first_a == first_b or "@" in a or "@" in b


def plan_stitches(summaries: Iterable[StitchSummary]) -> dict[Hashable, list[Hashable]]:
    """Groups of conversation keys to merge (only groups of two or more), each listing its
    members in input order, keyed by every member."""
    items = list(summaries)
    order = {s.key: i for i, s in enumerate(items)}
    by_identity: dict[tuple[str, str], list[StitchSummary]] = {}
    by_name: dict[str, list[StitchSummary]] = {}
    for s in items:
        for ident in s.identities:
            if ident[0] == "name":
                by_name.setdefault(ident[1], []).append(s)
            else:
                by_identity.setdefault(ident, []).append(s)
    uf = UnionFind(len(items))

    def link(a: StitchSummary, b: StitchSummary) -> None:
        if a.key != b.key and _owners_compatible(a.owner, b.owner):
            uf.union(order[a.key], order[b.key])

    for s in items:
        # 1. the counterpart gave a handle that identifies another conversation
        for mention in s.mentions:
            for other in by_identity.get(mention, ()):
                link(s, other)
        # 2. the same account seen in two exports (e.g. an e-mail address in LinkedIn
        #    Connections.csv and the From: of an e-mail thread) on different platforms
        for ident in s.identities:
            if ident[0] == "name":
                continue
            for other in by_identity.get(ident, ()):
                if other.platforms != s.platforms:
                    link(s, other)
        # 3. the counterpart named a platform, and a conversation on that platform is with
        #    someone of exactly the same name
        for ident in s.identities:
            if ident[0] != "name" or not s.mentioned_platforms:
                continue
            for other in by_name.get(ident[1], ()):
                if other.platforms & s.mentioned_platforms and not other.platforms <= s.platforms:
                    link(s, other)

    groups: dict[int, list[Hashable]] = {}
    for s in items:
        groups.setdefault(uf.find(order[s.key]), []).append(s.key)
    plan: dict[Hashable, list[Hashable]] = {}
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=order.__getitem__)
            for m in members:
                plan[m] = members
    return plan


def merge_conversations(parts: list[Conversation]) -> Conversation:
    """One timeline from conversations of the same approach, in time order. Messages without
    a timestamp stay right after the message before them in their own conversation."""
    keyed = []
    for part_no, part in enumerate(parts):
        previous: datetime | None = None
        for pos, msg in enumerate(part.messages):
            stamp = msg.ts or previous
            previous = stamp
            keyed.append(((stamp is None, stamp.timestamp() if stamp else 0.0, part_no, pos), msg))
    keyed.sort(key=lambda item: item[0])
    # The approach is named after where it started: the part with the earliest message.
    first = parts[keyed[0][0][2]] if keyed else parts[0]
    counterpart = next((p.counterpart for p in parts if p.counterpart and p.counterpart.headline),
                       next((p.counterpart for p in parts if p.counterpart), None))
    merged = Conversation(
        id=first.id,
        messages=[m for _, m in keyed],
        owner=next((p.owner for p in parts if p.owner), None),
        counterpart=counterpart,
        label=first.label,
        stages=first.stages,
        source="; ".join(dict.fromkeys(p.source for p in parts if p.source)),
        format="+".join(dict.fromkeys(p.format for p in parts if p.format)),
        identities=set().union(*(p.identities for p in parts)),
        extra=dict(first.extra),
    )
    merged.extra["stitched_from"] = [p.id for p in parts]
    return merged
