"""Profile review on realistic counterparts: the fake 'Caltech research fellow', a BfV-style
persona, a genuine senior recruiter, and counterparts about whom little is known."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lurewatch.model import Conversation, Counterpart, Indicator, Message
from lurewatch.profile import assess_profile, parse_profile_json, parse_profile_text, review_profile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profile"
TODAY = date(2017, 12, 10)


def _ids(assessment) -> set[str]:
    return {s.id for s in assessment.signals}


def _conversation(counterpart: Counterpart, utc_hours: list[int], first_text: str) -> Conversation:
    base = datetime(2017, 11, 20, tzinfo=UTC)
    messages = []
    for day, hour in enumerate(utc_hours):
        text = first_text if day == 0 else "Our client would pay well for a short analysis."
        messages.append(Message("counterpart", "linkedin", text,
                                ts=base + timedelta(days=day, hours=hour)))
        messages.append(Message("owner", "linkedin", "Thanks, tell me more.",
                                ts=base + timedelta(days=day, hours=hour + 6)))
    return Conversation(id="c-1", messages=messages, owner="Markus Becker",
                        counterpart=counterpart)


def test_fake_caltech_fellow_with_white_house_network_is_flagged():
    counterpart = parse_profile_json((FIXTURES / "caltech_fellow.json").read_text())
    a = assess_profile(counterpart, today=date(2023, 6, 1))
    assert {"role_network_mismatch", "connection_concentration", "new_account"} <= _ids(a)
    review = a.review()
    assert review.risk >= 0.6
    mismatch = next(r for r in review.reasons if r.startswith("claims a academic role"))
    assert "Research Fellow at Caltech" in mismatch
    assert "ambassadors" in mismatch or "government" in mismatch
    # Caltech is a real institution: not an unverifiable or mimicking firm.
    assert "unverifiable_firm" not in _ids(a) and "firm_mimicry" not in _ids(a)


def test_same_title_with_an_academic_network_is_not_a_mismatch():
    counterpart = parse_profile_json((FIXTURES / "caltech_fellow.json").read_text())
    counterpart.extra["connection_titles"] = [
        "Professor of Physics at Caltech", "PhD student, Caltech", "Postdoctoral Researcher, MIT",
        "Research Scientist at JPL, Caltech", "Lecturer in Engineering, University of Oxford",
        "Associate Professor, Stanford University", "Senior Advisor, National Security Council",
    ]
    a = assess_profile(counterpart, today=date(2023, 6, 1))
    assert "role_network_mismatch" not in _ids(a)


def test_bfv_style_persona_from_copied_text_and_night_hours():
    counterpart = parse_profile_text((FIXTURES / "rachel_li_bfv.txt").read_text(), today=TODAY)
    # Berlin is UTC+1 in November: 01:00-04:00 UTC is 02:00-05:00 in Berlin, a Beijing workday.
    conv = _conversation(counterpart, [1, 2, 3, 2, 1], "Hello Markus, our client seeks experts.")
    a = assess_profile(counterpart, conv, today=TODAY)
    ids = _ids(a)
    assert {"new_account", "few_connections", "senior_thin_history", "generic_email",
            "night_activity"} <= ids
    review = a.review()
    assert review.risk >= 0.6
    assert any("163.com" in r and "RiseHR" in r for r in review.reasons)
    night = next(r for r in review.reasons if "messages were sent between" in r)
    assert "5 of 5" in night and "Berlin" in night and "UTC+8" in night


def test_daytime_messages_from_the_same_persona_are_not_night_activity():
    counterpart = parse_profile_text((FIXTURES / "rachel_li_bfv.txt").read_text(), today=TODAY)
    conv = _conversation(counterpart, [9, 10, 13, 15, 8], "Hello Markus, our client seeks experts.")
    assert "night_activity" not in _ids(assess_profile(counterpart, conv, today=TODAY))


def test_genuine_senior_recruiter_with_long_history_is_low_risk():
    counterpart = parse_profile_text((FIXTURES / "genuine_recruiter.txt").read_text(),
                                     today=date(2025, 12, 1))
    counterpart.extra["connection_titles"] = [
        "Software Engineer at Monzo", "Senior Recruiter at Hays", "Data Scientist, Ocado",
        "Head of Engineering, Revolut", "Talent Partner at Arm", "DevOps Engineer, Sky",
        "Product Manager at Wise", "Professor of Computing, Imperial College London",
    ]
    a = assess_profile(counterpart, today=date(2025, 12, 1))
    review = a.review()
    assert review.risk < 0.1
    assert {m.id for m in a.mitigations} >= {"long_history", "old_account", "company_email"}
    assert not _ids(a)
    assert any(r == "lowers risk: 4 positions over 17 years" for r in review.reasons)


def test_only_a_name_known_is_no_risk_and_says_what_is_missing():
    review = review_profile(Counterpart(name="Vivian K."))
    assert review.risk == 0.0
    for missing in ("account age", "number of connections", "company", "work history",
                    "e-mail address", "claimed location"):
        assert missing in review.missing
    assert review.reasons[-1].startswith("not known, so not counted: account age")


def test_a_new_account_alone_is_a_signal_where_missing_age_is_not():
    new = review_profile(Counterpart(name="Vivian K.", account_age_days=20))
    assert new.risk > 0.3 and "account 20 days old" in new.reasons
    assert "account age" not in new.missing


def test_generic_firm_with_nothing_checkable_and_a_mimicking_name():
    generic = assess_profile(Counterpart(
        name="Alex Li", company="Center for Sino-Europe Development Studies"), today=TODAY)
    assert "unverifiable_firm" in _ids(generic)
    checkable = assess_profile(Counterpart(
        name="Alex Li", company="Center for Sino-Europe Development Studies",
        extra={"company_url": "https://csed.example.org"}), today=TODAY)
    assert "unverifiable_firm" not in _ids(checkable)
    mimic = assess_profile(Counterpart(name="Tom Wu", company="Heidrik & Struggles"), today=TODAY)
    assert "firm_mimicry" in _ids(mimic)
    assert any("Heidrick & Struggles" in s.reason for s in mimic.signals)
    real = assess_profile(Counterpart(name="Tom Wu", company="Heidrick & Struggles"), today=TODAY)
    assert "firm_mimicry" not in _ids(real)


def test_counterpart_email_comes_from_indicators_but_never_the_owners():
    counterpart = Counterpart(name="Lily Wu", company="Kestrel Bridge Talent")
    conv = Conversation(id="c-2", messages=[
        Message("owner", "email", "I am at markus@gmail.com"),
        Message("counterpart", "email", "write to lily.kbt@qq.com"),
    ])
    owner_only = [Indicator("email", "markus@gmail.com", 0, sender=None)]
    assert "generic_email" not in _ids(assess_profile(counterpart, conv, owner_only))
    theirs = [*owner_only, Indicator("email", "lily.kbt@qq.com", 1, sender=None)]
    a = assess_profile(counterpart, conv, theirs)
    assert "generic_email" in _ids(a)
    assert any("qq.com" in s.reason for s in a.signals)


def test_language_the_claimed_location_does_not_suggest():
    counterpart = Counterpart(name="Eva Han", location="London, United Kingdom")
    conv = Conversation(id="c-3", messages=[
        Message("counterpart", "linkedin", "你好，我们的客户希望请您写一份关于能源政策的短报告。"),
    ])
    assert "language_mismatch" in _ids(assess_profile(counterpart, conv))
    counterpart.extra["languages"] = ["Chinese (Native or bilingual proficiency)", "English"]
    assert "language_mismatch" not in _ids(assess_profile(counterpart, conv))
