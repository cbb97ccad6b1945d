from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import stix2
from sharing_data import OWNER_STRINGS, PRIVATE_TEXT
from stix2patterns.validator import run_validator

from lurewatch.report.sharing.stix import build_stix_bundle, write_stix_bundle

EXPECTED_TECHNIQUES = {"T1566.003", "T1585.001", "T1593.001", "T1598", "T1656"}


def _objects(bundle: stix2.Bundle, kind: str) -> list[Any]:
    return [o for o in bundle.objects if o.type == kind]


def _strictly_valid(text: str) -> None:
    validator = pytest.importorskip("stix2validator")
    result = validator.validate_string(text, validator.ValidationOptions(strict=True,
                                                                        version="2.1"))
    assert (result.errors or []) == [] and (result.warnings or []) == []
    assert result.is_valid


def test_bundle_parses_back_strictly_and_validates(report, no_network):
    bundle = build_stix_bundle(report)
    text = bundle.serialize(pretty=True)
    again = stix2.parse(text, allow_custom=False)
    assert {o.id for o in again.objects} == {o.id for o in bundle.objects}
    for obj in json.loads(text)["objects"]:
        assert stix2.parse(obj, allow_custom=False, version="2.1").id == obj["id"]
    for indicator in _objects(bundle, "indicator"):
        assert run_validator(indicator.pattern, stix_version="2.1") == []
    _strictly_valid(text)


def test_every_reference_resolves_inside_the_bundle(report):
    bundle = build_stix_bundle(report)
    ids = {o.id for o in bundle.objects}
    for obj in bundle.objects:
        refs = [getattr(obj, k) for k in ("source_ref", "target_ref", "created_by_ref")
                if k in obj]
        refs += [r for k in ("object_refs", "object_marking_refs") if k in obj for r in obj[k]]
        assert set(refs) <= ids, obj.id
    report_obj = _objects(bundle, "report")[0]
    assert set(report_obj.object_refs) == {o.id for o in bundle.objects
                                           if o.type not in ("report", "marking-definition")}


def test_campaign_graph(report):
    bundle = build_stix_bundle(report)
    [campaign] = _objects(bundle, "campaign")
    assert "camp-1" in campaign.name and campaign.confidence == 97
    assert campaign.first_seen.isoformat().startswith("2026-03-02T14:05")
    [actor] = _objects(bundle, "threat-actor")
    assert actor.threat_actor_types == ["unknown"]
    assert actor.aliases == ["Vivian K.", "Vivian Kwok"]
    orgs = {i.name for i in _objects(bundle, "identity") if i.identity_class == "organization"}
    assert orgs == {"Northgate Aerospace", "Helix Labs"}
    assert not [i for i in _objects(bundle, "identity") if i.identity_class == "individual"]
    techniques = {p.external_references[0].external_id for p in _objects(bundle, "attack-pattern")}
    assert techniques == EXPECTED_TECHNIQUES
    assert all(p.external_references[0].source_name == "mitre-attack"
               for p in _objects(bundle, "attack-pattern"))
    rels = {(r.relationship_type, r.source_ref.split("--")[0], r.target_ref.split("--")[0])
            for r in _objects(bundle, "relationship")}
    assert rels == {
        ("attributed-to", "campaign", "threat-actor"), ("targets", "campaign", "identity"),
        ("uses", "campaign", "attack-pattern"), ("indicates", "indicator", "campaign"),
        ("based-on", "indicator", "observed-data"),
    }
    patterns = {i.pattern for i in _objects(bundle, "indicator")}
    assert ("[user-account:account_login = 'vivian_kbt88' AND "
            "user-account:account_type = 'wechat']") in patterns
    assert "[email-addr:value = 'vivian.k@kestrelbridge-talent.com']" in patterns
    assert "[url:value = 'https://www.linkedin.com/in/vivian-kwok-kbt']" in patterns
    assert len(_objects(bundle, "observed-data")) == 2


def test_note_carries_the_explanation_and_evidence(report):
    [note] = _objects(build_stix_bundle(report), "note")
    assert "could you add me on WeChat (vivian_kbt88)?" in note.content
    assert "CSIS 2023: move to WeChat, WhatsApp or e-mail" in note.content
    assert "same WeChat handle vivian_kbt88" in note.content
    assert "Attribution: unknown" in note.content


def test_redacted_by_default(report):
    text = build_stix_bundle(report).serialize()
    for private in (*OWNER_STRINGS, *PRIVATE_TEXT):
        assert private not in text, private


def test_low_level_conversations_excluded_by_default(report):
    text = build_stix_bundle(report).serialize()
    assert "sarah.mitchell" not in text and "Airbus" not in text
    wider = build_stix_bundle(report, min_level="low").serialize()
    assert "sarah.mitchell@airbus.com" in wider
    _strictly_valid(wider)


def test_no_redact_keeps_owners_and_text(report):
    bundle = build_stix_bundle(report, redact=False)
    people = {i.name for i in _objects(bundle, "identity") if i.identity_class == "individual"}
    assert people == {"Daniel Roy", "Priya Natarajan"}
    [note] = _objects(bundle, "note")
    assert "My wife Anna says hi" in note.content
    assert "NOT redacted" in _objects(bundle, "report")[0].description
    # The owner's own number is still not an indicator of the approacher.
    assert all("2025550147" not in i.pattern for i in _objects(bundle, "indicator"))
    _strictly_valid(bundle.serialize())


def test_rebuilding_gives_the_same_bundle(report):
    first = build_stix_bundle(report).serialize(pretty=True)
    assert build_stix_bundle(copy.deepcopy(report)).serialize(pretty=True) == first
    later = copy.deepcopy(report)
    later["generated_at"] = "2026-12-01T08:00:00Z"
    rebuilt = build_stix_bundle(later)
    ids = {o.id for o in rebuilt.objects if o.type not in ("report", "bundle")}
    assert ids == {o.id for o in stix2.parse(first).objects if o.type != "report"}
    assert all(o.modified.isoformat().startswith("2026-12-01") for o in rebuilt.objects
               if "modified" in o and o.type != "marking-definition")


def test_hostile_handles_are_escaped_or_left_out(report):
    conv = report["conversations"][0]
    conv["indicators"] += [
        {"type": "telegram", "value": "x'] OR [domain-name:value = 'evil.example",
         "message_index": 2},
        {"type": "wechat-id", "value": "back\\slash'quote", "message_index": 2},
        {"type": "email", "value": "evil@example.com\n[x:y = 'z']", "message_index": 2},
    ]
    bundle = build_stix_bundle(report)
    patterns = {i.pattern for i in _objects(bundle, "indicator")}
    assert ("[user-account:account_login = 'x\\'] OR [domain-name:value = \\'evil.example' "
            "AND user-account:account_type = 'telegram']") in patterns
    assert ("[user-account:account_login = 'back\\\\slash\\'quote' "
            "AND user-account:account_type = 'wechat']") in patterns
    assert not [p for p in patterns if "evil@example.com" in p]
    assert "control characters" in _objects(bundle, "report")[0].description
    _strictly_valid(bundle.serialize())


@pytest.mark.parametrize("attribution", [
    {"name": "APT-Recruiters", "kind": "intrusion-set", "confidence": 0.6,
     "source": "https://www.example.org/advisory"},
    "Ministry of State Security",
])
def test_attribution_when_given(report, attribution):
    report["campaigns"][0]["attribution"] = attribution
    bundle = build_stix_bundle(report)
    if isinstance(attribution, dict):
        [actor] = _objects(bundle, "intrusion-set")
        [rel] = [r for r in _objects(bundle, "relationship")
                 if r.relationship_type == "attributed-to"]
        assert rel.confidence == 60
    else:
        [actor] = _objects(bundle, "threat-actor")
        assert actor.threat_actor_types == ["spy"]
    assert actor.name == (attribution["name"] if isinstance(attribution, dict)
                          else attribution)
    _strictly_valid(bundle.serialize())


def test_report_without_campaigns_or_messages(report):
    conv = copy.deepcopy(report["conversations"][2])
    for key in ("messages", "profile", "counterpart", "owner"):
        conv.pop(key)
    minimal = {"schema": "lurewatch.report/1", "conversations": [conv],
               "generated_at": "2026-11-27T12:00:00Z"}
    bundle = build_stix_bundle(minimal)
    [campaign] = _objects(bundle, "campaign")
    assert "c-0107" in campaign.name
    [observed] = _objects(bundle, "observed-data")
    assert observed.first_observed == observed.last_observed  # no message times: scan time
    _strictly_valid(bundle.serialize())


def test_nothing_selected_is_still_a_valid_bundle(report):
    report["conversations"] = [report["conversations"][1]]  # only the benign one
    report["campaigns"] = []
    bundle = build_stix_bundle(report)
    assert not _objects(bundle, "campaign") and not _objects(bundle, "indicator")
    _strictly_valid(bundle.serialize())


def test_bad_options_are_refused(report):
    with pytest.raises(ValueError, match="min_level"):
        build_stix_bundle(report, min_level="severe")
    with pytest.raises(ValueError, match="tlp"):
        build_stix_bundle(report, tlp="purple")


def test_write_is_json_a_reader_can_load(report, tmp_path):
    out = tmp_path / "out" / "bundle.json"
    write_stix_bundle(build_stix_bundle(report), out)
    assert json.loads(out.read_text(encoding="utf-8"))["type"] == "bundle"
    assert [p.name for p in out.parent.iterdir()] == ["bundle.json"]
