"""Stitching plans and merges on hand-built conversations (the end-to-end case, a LinkedIn
export plus a WhatsApp chat, is in tests/cli)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lurewatch.ingest.stitch import StitchSummary, merge_conversations, plan_stitches
from lurewatch.model import Conversation, Indicator, Message

T0 = datetime(2026, 3, 10, tzinfo=UTC)


def conv(cid: str, platform: str, owner: str | None, identities: set, days: list[float],
         texts: list[str] | None = None) -> Conversation:
    texts = texts or [f"{cid} {i}" for i in range(len(days))]
    messages = [Message("counterpart", platform, t, T0 + timedelta(days=d))
                for t, d in zip(texts, days, strict=True)]
    return Conversation(cid, messages, owner=owner, identities=identities)


def test_handle_given_on_linkedin_links_the_whatsapp_chat() -> None:
    li = conv("li", "linkedin", "Daniel Roy", {("name", "vivian kwok")}, [0, 1],
              ["hi", "add me on WhatsApp +44 7700 900123"])
    wa = conv("wa", "whatsapp", "Daniel Roy",
              {("whatsapp-number", "+447700900123"), ("name", "+44 7700 900123")}, [2])
    other = conv("x", "whatsapp", "Daniel Roy", {("whatsapp-number", "+15550100")}, [3])
    li_ind = [Indicator("whatsapp-number", "+447700900123", 1, sender="counterpart")]
    plan = plan_stitches([StitchSummary.of("li", li, li_ind), StitchSummary.of("wa", wa, []),
                          StitchSummary.of("x", other, [])])
    assert plan == {"li": ["li", "wa"], "wa": ["li", "wa"]}


def test_handle_the_owner_gave_does_not_link() -> None:
    li = conv("li", "linkedin", "Daniel Roy", set(), [0])
    wa = conv("wa", "whatsapp", "Daniel Roy", {("whatsapp-number", "+447700900123")}, [1])
    mine = [Indicator("whatsapp-number", "+447700900123", 0, sender="owner")]
    assert plan_stitches([StitchSummary.of("li", li, mine), StitchSummary.of("wa", wa, [])]) == {}


def test_same_handle_for_two_different_targets_is_not_stitched() -> None:
    a = conv("a", "linkedin", "Daniel Roy", set(), [0])
    b = conv("b", "wechat", "Alice Martin", {("wechat-id", "vivian_kbt88")}, [1])
    given = [Indicator("wechat-id", "vivian_kbt88", 0, sender="counterpart")]
    assert plan_stitches([StitchSummary.of("a", a, given), StitchSummary.of("b", b, [])]) == {}


def test_name_links_only_when_the_platform_was_named() -> None:
    li = conv("li", "linkedin", None, {("name", "vivian kwok")}, [0], ["let's talk on WeChat"])
    wc = conv("wc", "wechat", None, {("name", "vivian kwok"), ("wechat-id", "wxid_1")}, [1])
    li_quiet = conv("lq", "linkedin", None, {("name", "vivian kwok")}, [0], ["hello"])
    assert plan_stitches([StitchSummary.of("li", li, []), StitchSummary.of("wc", wc, [])])
    assert not plan_stitches([StitchSummary.of("lq", li_quiet, []),
                              StitchSummary.of("wc", wc, [])])


def test_merge_orders_by_time_and_keeps_every_message() -> None:
    li = conv("li", "linkedin", "Daniel Roy", {("name", "v")}, [0, 2])
    wa = conv("wa", "whatsapp", None, {("whatsapp-number", "+447700900123")}, [1, 3])
    wa.messages.append(Message("owner", "whatsapp", "no timestamp", None))
    merged = merge_conversations([li, wa])
    assert [m.text for m in merged.messages] == ["li 0", "wa 0", "li 1", "wa 1", "no timestamp"]
    assert merged.platforms == ["linkedin", "whatsapp"]
    assert merged.id == "li" and merged.extra["stitched_from"] == ["li", "wa"]
    assert merged.owner == "Daniel Roy"
    assert ("whatsapp-number", "+447700900123") in merged.identities
