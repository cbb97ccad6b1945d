"""Who is the owner of a chat export, when the export only shows display names.

WhatsApp and Telegram exports name every sender, the owner included, but do not say which
name is the owner's. The rules, in order:

1. the owner the user gave (`--owner`), matched case- and accent-insensitively;
2. the chat's title (WhatsApp file name or iOS notice sender, Telegram chat name) names the
   counterpart in a one-to-one chat, so the single other sender is the owner;
3. otherwise, with a warning: between two senders, the first to write is taken as the
   counterpart (approaches are unsolicited, so the approacher usually writes first) and the
   other as the owner; among three or more, nobody is taken as the owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lurewatch.extract.identity import normalise_name


@dataclass(slots=True)
class ChatRoles:
    """Who is who in one chat."""

    owner: str | None  # the owner's display name as the export shows it (or as given)
    counterpart: str | None  # the first sender who is not the owner (or the title)
    participants: list[str] = field(default_factory=list)  # every non-owner sender, in order
    method: str = "unknown"  # "given", "title", "guess", "single-sender", "unknown"
    warning: str | None = None  # one line for ReadContext.warn when the owner is a guess

    def is_owner(self, sender: str) -> bool:
        return self.owner is not None and normalise_name(sender) == normalise_name(self.owner)


def infer_roles(
    senders: Sequence[str], *, given_owner: str | None = None, title: str | None = None
) -> ChatRoles:
    """Decide owner and counterpart from the distinct senders (in order of first message)."""
    distinct = _distinct(senders)
    by_key = {normalise_name(s): s for s in distinct}

    if given_owner:
        owner = by_key.get(normalise_name(given_owner), given_owner)
        return _roles(distinct, owner, title, "given")

    title_key = _loose(title) if title else None
    titled = [s for s in distinct if _loose(s) == title_key]
    if titled:
        others = [s for s in distinct if _loose(s) != title_key]
        if len(others) == 1:
            return _roles(distinct, others[0], titled[0], "title")
        if not others:  # only the counterpart wrote; the owner stayed silent
            return ChatRoles(None, titled[0], [titled[0]], "single-sender")

    if len(distinct) == 1 and title_key is None:
        only = distinct[0]
        return ChatRoles(
            None, only, [only], "unknown",
            f"only one sender ('{only}') and no chat title: taken as the counterpart; "
            "pass --owner to set the owner",
        )
    if len(distinct) > 2:  # a group: any pick would be arbitrary, so nobody is the owner
        return ChatRoles(
            None, distinct[0], distinct, "unknown",
            f"could not tell the owner among {_list(distinct)}: every sender is read as a "
            "counterpart; pass --owner to set it",
        )
    if len(distinct) == 2:
        owner = distinct[1]
        return _roles(
            distinct, owner, title, "guess",
            warning=f"could not tell the owner among {_list(distinct)}: assumed '{owner}' "
            f"(the first to write, '{distinct[0]}', is taken as the counterpart); "
            "pass --owner to set it",
        )
    return ChatRoles(None, title, [title] if title else [], "unknown")


def _roles(
    distinct: list[str], owner: str, title: str | None, method: str, warning: str | None = None
) -> ChatRoles:
    owner_key = normalise_name(owner)
    others = [s for s in distinct if normalise_name(s) != owner_key]
    counterpart = others[0] if others else title
    return ChatRoles(owner, counterpart, others, method, warning)


def _loose(name: str) -> str:
    """Name key that survives file names: "Vivian K." is saved as "...with Vivian K.txt"."""
    return normalise_name(name).rstrip(".")


def _distinct(senders: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for s in senders:
        seen.setdefault(normalise_name(s), s)
    return list(seen.values())


def _list(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
