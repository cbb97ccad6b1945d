from __future__ import annotations

import copy
import json
from pathlib import Path

import pymisp
from pymisp import MISPEvent
from sharing_data import OWNER_STRINGS, PRIVATE_TEXT

from lurewatch.report.sharing.misp import build_misp_event, write_misp_event

TEMPLATES = Path(pymisp.__file__).parent / "data" / "misp-objects" / "objects"
GALAXY_TAGS = {
    'misp-galaxy:mitre-attack-pattern="Spearphishing via Service - T1566.003"',
    'misp-galaxy:mitre-attack-pattern="Social Media Accounts - T1585.001"',
    'misp-galaxy:mitre-attack-pattern="Social Media - T1593.001"',
    'misp-galaxy:mitre-attack-pattern="Phishing for Information - T1598"',
    'misp-galaxy:mitre-attack-pattern="Impersonation - T1656"',
}


def _as_dict(event: MISPEvent) -> dict:
    return json.loads(event.to_json())


def test_built_offline_and_round_trips(report, no_network):
    event = build_misp_event(report)
    text = event.to_json(sort_keys=True, indent=1)
    again = MISPEvent()
    again.from_json(text)
    assert again.to_json(sort_keys=True, indent=1) == text


def test_objects_follow_their_templates(report):
    event = build_misp_event(report)
    names = sorted(o.name for o in event.objects)
    assert names.count("person") == 2
    assert names.count("impersonation") == 2
    assert names.count("user-account") == 4  # WeChat shared by both personas, WhatsApp, 2 profiles
    for obj in event.objects:
        template = json.loads((TEMPLATES / obj.name / "definition.json").read_text())
        assert {a.object_relation for a in obj.attributes} <= set(template["attributes"])
        obj.to_json(strict=True)  # raises if a required or single-valued relation is wrong


def test_personas_accounts_and_references(report):
    event = build_misp_event(report)
    by_uuid = {o.uuid: o for o in event.objects}
    personas = [o for o in event.objects if o.name == "person"]
    assert {o.get_attributes_by_relation("full-name")[0].value for o in personas} == {
        "Vivian K.", "Vivian Kwok"}
    assert all(o.get_attributes_by_relation("role")[0].value == "Suspect" for o in personas)
    wechat = [o for o in event.objects if o.name == "user-account"
              and o.get_attributes_by_relation("username")
              and o.get_attributes_by_relation("username")[0].value == "vivian_kbt88"]
    assert len(wechat) == 1
    for persona in personas:
        used = {by_uuid[r.referenced_uuid].uuid for r in persona.references
                if r.relationship_type == "uses"}
        assert wechat[0].uuid in used
    imp = next(o for o in event.objects if o.name == "impersonation")
    assert imp.get_attributes_by_relation("objective")[0].value == "Information stealing"
    assert imp.get_attributes_by_relation("type-of-account")[0].value == "LinkedIn"


def test_tags_and_event_fields(report):
    data = _as_dict(build_misp_event(report))
    tags = {t["name"] for t in data["Tag"]}
    assert tags == GALAXY_TAGS | {"tlp:amber"}
    assert data["date"] == "2026-11-27"
    assert data["threat_level_id"] == "1" or data["threat_level_id"] == 1
    assert {(a["type"], a["value"]) for a in data["Attribute"]} >= {
        ("email-src", "vivian.k@kestrelbridge-talent.com"),
        ("domain", "kestrelbridge-talent.com"),
    }
    [explanation] = data["EventReport"]
    assert "could you add me on WeChat (vivian_kbt88)?" in explanation["content"]


def test_redacted_by_default_and_low_excluded(report):
    text = build_misp_event(report).to_json()
    for private in (*OWNER_STRINGS, *PRIVATE_TEXT, "sarah.mitchell", "Airbus"):
        assert private not in text, private


def test_no_redact_adds_the_owners_as_targets(report):
    event = build_misp_event(report, redact=False)
    owners = [o for o in event.objects if o.name == "person"
              and o.get_attributes_by_relation("role")[0].value == "Target"]
    assert {o.get_attributes_by_relation("full-name")[0].value for o in owners} == {
        "Daniel Roy", "Priya Natarajan"}
    priya = next(o for o in owners
                 if o.get_attributes_by_relation("full-name")[0].value == "Priya Natarajan")
    assert priya.get_attributes_by_relation("e-mail")[0].value == \
        "priya.natarajan@helix-labs.co.uk"
    targets = [r for o in event.objects for r in o.references if r.relationship_type == "targets"]
    assert {r.referenced_uuid for r in targets} == {o.uuid for o in owners}
    assert "My wife Anna says hi" in event.to_json()


def test_rebuilding_gives_the_same_event(report):
    first = build_misp_event(report).to_json(sort_keys=True)
    assert build_misp_event(copy.deepcopy(report)).to_json(sort_keys=True) == first


def test_write(report, tmp_path):
    out = tmp_path / "event.json"
    write_misp_event(build_misp_event(report), out)
    loaded = MISPEvent()
    loaded.load(out.read_text(encoding="utf-8"))
    assert loaded.info.startswith("lurewatch: 2 suspected covert recruitment")
