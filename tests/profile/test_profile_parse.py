"""Parsing profiles from copied LinkedIn page text and from JSON, including broken input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lurewatch.ingest.base import InputError
from lurewatch.profile import parse_profile_json, parse_profile_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "profile"


def test_copied_persona_page():
    c = parse_profile_text((FIXTURES / "rachel_li_bfv.txt").read_text(), today=date(2017, 12, 10))
    assert c.name == "Rachel Li"
    assert c.headline.startswith("Senior HR Manager at RiseHR")
    assert c.company == "RiseHR"
    assert c.location == "Berlin, Germany"
    assert c.connections == 38
    assert c.account_age_days == (date(2017, 12, 10) - date(2017, 9, 1)).days
    assert c.extra["emails"] == ["rachel.risehr@163.com"]
    assert c.extra["experience"] == [
        {"title": "Senior HR Manager", "company": "RiseHR", "start": "2017-03-01", "end": None}
    ]


def test_copied_recruiter_page_with_500_plus_and_grouped_history():
    c = parse_profile_text((FIXTURES / "genuine_recruiter.txt").read_text(),
                           today=date(2025, 12, 1))
    assert c.connections == 500 and c.extra["connections_at_least"] is True
    assert c.company == "Hays"
    assert c.location == "London, England, United Kingdom"
    positions = c.extra["experience"]
    assert [p["company"] for p in positions] == ["Hays", "Hays", "Michael Page", "Robert Walters"]
    assert positions[-1]["title"] == "Graduate Recruiter"
    assert positions[-1]["start"] == "2008-08-01" and positions[-1]["end"] == "2010-08-01"
    assert c.extra["languages"] == ["English", "French"]


def test_page_without_sections_takes_company_from_headline():
    c = parse_profile_text("Lily Wu\nConsultant @ Pan Asia Strategy Consulting | analyst\n"
                           "Munich, Bavaria, Germany\n12 connections\n")
    assert c.company == "Pan Asia Strategy Consulting"
    assert c.connections == 12
    assert "experience" not in c.extra  # no section: history unknown, not empty


def test_empty_or_nameless_text_is_a_one_line_error():
    with pytest.raises(InputError, match="empty"):
        parse_profile_text("  \n\n ")
    with pytest.raises(InputError, match="no name"):
        parse_profile_text("Contact info\n500+ connections\n")


def test_json_aliases_and_extra_fields():
    c = parse_profile_json('{"firstName": "Alex", "lastName": "Li", "title": "Project manager",'
                           ' "connections": "500+", "joined": "2017-05-20",'
                           ' "company_url": "https://example.org"}', today=date(2017, 6, 19))
    assert (c.name, c.headline, c.connections, c.account_age_days) == (
        "Alex Li", "Project manager", 500, 30)
    assert c.extra["company_url"] == "https://example.org"
    assert c.extra["connections_at_least"] is True


@pytest.mark.parametrize(("doc", "message"), [
    ('{"name": "A", ', "not valid JSON"),
    ("[1, 2]", "must be an object"),
    ('{"headline": "x"}', "no name"),
    ('{"name": "A", "connections": "many"}', "not a number"),
    ('{"name": "A", "connection_titles": "ambassador"}', "list of text"),
])
def test_bad_json_is_a_one_line_error(doc, message):
    with pytest.raises(InputError, match=message) as err:
        parse_profile_json(doc)
    assert "\n" not in str(err.value)


def test_grouped_positions_under_one_company():
    text = ("Eva Han\nSenior Consultant\nBerlin, Germany\nExperience\n"
            "Pan Asia Strategy Consulting\n6 yrs 2 mos\nSenior Consultant\n"
            "Jan 2021 - Present · 4 yrs\nConsultant\n"
            "Oct 2019 - Dec 2020 · 1 yr 3 mos\nEducation\nTU Berlin\n")
    c = parse_profile_text(text, today=date(2025, 3, 1))
    assert [(p["title"], p["company"]) for p in c.extra["experience"]] == [
        ("Senior Consultant", "Pan Asia Strategy Consulting"),
        ("Consultant", "Pan Asia Strategy Consulting"),
    ]
