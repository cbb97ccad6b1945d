"""Grouping conversations by operator: name drift, shared handles, templates, bursts, and a
genuine templated recruiter who forms a cluster of low campaign risk."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from lurewatch.campaigns import campaign_to_report, group_campaigns, load_watchlist
from lurewatch.campaigns.watchlist import Watchlist
from lurewatch.model import Indicator

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
NO_WATCHLIST = Watchlist()


def _by_members(campaigns):
    return {frozenset(c.conversation_ids): c for c in campaigns}


def test_persona_and_company_drift_groups_one_operator(scanned):
    items = [
        scanned("c-1", "Hello Markus, I am Rachel Li, senior headhunter at RiseHR. Our client "
                "in Asia pays well for short reports on energy policy. Interested?",
                persona="Rachel Li", company="RiseHR", owner="Markus Becker", risk=0.82,
                owner_org="bundestag.de"),
        scanned("c-2", "Dear Sophie, Rachael Lee from Rise HR here. I was impressed by your "
                "work; a client would value your analysis of export controls, paid of course.",
                persona="Rachael Lee", company="Rise HR", owner="Sophie Martin", risk=0.55,
                owner_org="bundestag.de", when=T0 + timedelta(days=1)),
        scanned("c-3", "Good afternoon Jonas. Rise H.R. Ltd works with Asian think tanks that "
                "need European views on defence procurement. May I add you on WeChat?",
                persona="LI Rachel", company="Rise H.R. Ltd", owner="Jonas Novak", risk=0.7,
                owner_org="bundestag.de", when=T0 + timedelta(days=2)),
        scanned("c-4", "Hi Daniel, are you coming to the grid storage meetup on Thursday? "
                "I can save you a seat next to the window.",
                persona="Rachel Lindqvist", company="Vattenfall", risk=0.02),
    ]
    campaigns = group_campaigns(items, watchlist=load_watchlist())
    [campaign] = campaigns
    assert campaign.conversation_ids == ["c-1", "c-2", "c-3"]
    assert set(campaign.personas) == {"Rachel Li", "Rachael Lee", "LI Rachel"}
    text = " | ".join(campaign.reasons)
    assert "persona names differ only by spelling or transliteration" in text
    assert "cover company written differently" in text
    assert "burst: 3 first contacts" in text
    assert "3 targets at one organisation (bundestag.de)" in text
    # BfV published Rachel Li of RiseHR: a strong hit, whatever the members' verdicts.
    assert campaign.watchlist_hits[0].strength == "strong"
    assert campaign.risk >= 0.9 and campaign.level == "high"
    assert campaign.targeted_organisations == [{"organisation": "bundestag.de",
                                                "conversations": 3}]


def test_same_name_at_different_firms_is_not_one_operator(scanned):
    items = [
        scanned("c-1", "Hi Tom, quick question about the chip design dataset you mentioned "
                "last week at the conference.", persona="Jason Wang", company="Infineon"),
        scanned("c-2", "Hello Maria, we have an opening for a cloud engineer in Munich, posted "
                "on our careers page as R-22811.", persona="Jason Wang", company="Allianz"),
    ]
    assert group_campaigns(items, watchlist=NO_WATCHLIST) == []


def test_shared_wechat_id_links_different_personas(scanned):
    handle = Indicator("wechat-id", "vivian_kbt88", 2, "vivian_kbt88", "counterpart")
    items = [
        scanned("c-1", "Hi Daniel, I'm Vivian, Senior Talent Partner at Kestrel Bridge.",
                persona="Vivian K.", company="Kestrel Bridge Talent",
                follow_up="Add me on WeChat: vivian_kbt88", indicators=[handle], risk=0.9),
        scanned("c-2", "Dear Claire, our think tank would like to commission a white paper.",
                persona="Grace Zhou", company="Harbor Policy Institute", owner="Claire Dubois",
                follow_up="My WeChat is vivian_kbt88", indicators=[handle], risk=0.8),
    ]
    [campaign] = group_campaigns(items, watchlist=NO_WATCHLIST)
    assert campaign.reasons[0] == "same WeChat id vivian_kbt88 in 2 conversations"
    assert {"type": "wechat-id", "value": "vivian_kbt88", "conversations": 2} in (
        campaign.indicators)


def test_owner_identifiers_and_free_mail_domains_never_link(scanned):
    mine = Indicator("email", "daniel.roy@example.org", 1, "daniel.roy@example.org", "owner")
    items = [
        scanned("c-1", "Hello, we met at the workshop on grid storage last month, remember?",
                persona="Anna Jensen", indicators=[
                    mine, Indicator("email", "anna.j@gmail.com", 0, sender="counterpart")]),
        scanned("c-2", "Congratulations on the new role! Let's catch up over coffee soon.",
                persona="Kofi Okafor", indicators=[
                    mine, Indicator("email", "kofi.o@gmail.com", 0, sender="counterpart")]),
    ]
    assert group_campaigns(items, watchlist=NO_WATCHLIST) == []


def test_genuine_templated_recruiter_is_a_cluster_of_low_risk(scanned):
    note = ("Hi {name}, I lead hiring for our platform team. We are hiring a Senior Data "
            "Engineer in {city} (requisition R-{req}), a permanent position with a standard "
            "interview process. If you are open to a chat, reply here or send your CV to "
            "emma.clarke@hays.com. Kind regards, Emma Clarke, Hays.")
    people = [("Daniel Roy", "London"), ("Priya Patel", "Manchester"), ("Tom Wright", "Leeds"),
              ("Helena Novak", "London"), ("Omar Haddad", "Bristol"), ("Grace Murphy", "London")]
    email = Indicator("email", "emma.clarke@hays.com", 0, sender="counterpart")
    items = [
        scanned(f"r-{i}", note.format(name=owner.split()[0], city=city, req=40000 + i * 17),
                persona="Emma Clarke", company="Hays", owner=owner, indicators=[email],
                risk=0.04 + i * 0.02, when=T0 + timedelta(hours=i * 5), owner_org="ocado.com")
        for i, (owner, city) in enumerate(people)
    ]
    [campaign] = group_campaigns(items, watchlist=load_watchlist())
    assert campaign.size == 6
    assert campaign.similarity > 0.6
    assert campaign.level == "low" and campaign.risk < 0.3
    assert "not a hostile campaign" in campaign.assessment
    assert not campaign.watchlist_hits
    assert any(r.startswith("near-identical opening message in 6 conversations")
               for r in campaign.reasons)


def test_hostile_template_with_new_names_each_time_is_grouped(scanned):
    template = ("Hi {name}, I hope you are well. {persona} at {company}. We represent a "
                "{adj} client seeking non-public insights on {topic}. Consultancy is paid at "
                "{fee} per hour, and we can cover a trip to meet the client.")
    variants = [("Amanda Qiu", "Northgate Talent", "leading", "telecoms security", "GBP 300"),
                ("Lucy Chen", "Westbridge Search", "prestigious", "maritime security", "USD 400"),
                ("Iris Song", "Eastlake Advisory", "discreet", "export controls", "EUR 350"),
                ("Mona Yu", "Silverline Partners", "major", "AI regulation", "GBP 500")]
    owners = ["Peter Meyer", "Ines Costa", "Lukas Weber", "Julia Rossi"]
    items = [
        scanned(f"h-{i}", template.format(name=owner.split()[0], persona=p, company=c, adj=a,
                                          topic=t, fee=f),
                persona=p, company=c, owner=owner, risk=r, when=T0 + timedelta(hours=7 * i))
        for i, ((p, c, a, t, f), owner, r) in enumerate(
            zip(variants, owners, [0.75, 0.45, 0.2, 0.6], strict=True))
    ]
    [campaign] = group_campaigns(items, watchlist=NO_WATCHLIST)
    assert campaign.size == 4
    assert campaign.level in ("medium", "high") and campaign.risk >= 0.5
    assert any("opening message" in r for r in campaign.reasons)
    assert any(r.startswith("burst: 4 first contacts within") for r in campaign.reasons)


def test_lone_conversation_with_a_published_cover_company_is_reported(scanned):
    items = [
        scanned("c-9", "Hello Daniel, BR-YR Executive Search here. A client wants insider "
                "views on your department's procurement plans.", persona="Amy Q.",
                company="BR-YR Executive Search", risk=0.35),
        scanned("c-10", "Hi Daniel, this is Jason Wang. Lovely to meet you at the conference "
                "on carbon markets, here are my slides.", persona="Jason Wang", risk=0.05),
    ]
    [campaign] = group_campaigns(items, watchlist=load_watchlist())
    assert campaign.conversation_ids == ["c-9"]
    assert campaign.watchlist_hits[0].entry.id == "mi5-2025-br-yr"
    assert campaign.level == "high"
    assert "MI5" in campaign.reasons[-1]


def test_report_form_matches_the_contract(scanned):
    handle = Indicator("whatsapp-number", "+8613800138000", 2, sender="counterpart")
    items = [
        scanned(f"c-{i}", f"Hello number {i}, a short note.", persona=f"P{i} Smith",
                follow_up="WhatsApp me: +86 138 0013 8000", indicators=[handle], risk=0.5)
        for i in range(2)
    ]
    [campaign] = group_campaigns(items, watchlist=NO_WATCHLIST)
    report = campaign_to_report(campaign)
    assert report["id"] == "camp-1"
    assert report["conversation_ids"] == ["c-0", "c-1"]
    assert report["personas"] == ["P0 Smith", "P1 Smith"]
    assert {"type": "whatsapp-number", "value": "+8613800138000", "conversations": 2} in (
        report["indicators"])
    assert report["reasons"][0].startswith("same WhatsApp number +8613800138000")
    assert report["timeline"]["first_seen"] == "2024-03-04T09:00:00Z"
    assert report["timeline"]["first_contacts"][0] == {
        "conversation_id": "c-0", "first_contact": "2024-03-04T09:00:00Z"}
    json.dumps(report)  # serialisable as it stands


def test_nothing_in_nothing_out():
    assert group_campaigns([], watchlist=NO_WATCHLIST) == []


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.3, 64), (0.5, 128), (0.7, 64), (0.9, 32)])
def test_band_choice_agrees_with_datasketch(threshold: float, num_perm: int) -> None:
    from datasketch import MinHashLSH

    from lurewatch.campaigns.minhash import bands_for

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert bands_for(threshold, num_perm) == (lsh.b, lsh.r)
