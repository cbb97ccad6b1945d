from __future__ import annotations

import pytest
from stix2patterns.v21.pattern import Pattern
from stix2patterns.validator import run_validator

from lurewatch.report.sharing.stix_patterns import (
    UnpatternableValue,
    observable_for,
    pattern_for,
    quote,
)


def _valid(pattern: str) -> bool:
    return run_validator(pattern, stix_version="2.1") == []


def _unquote(literal: str) -> str:
    assert literal[0] == literal[-1] == "'"
    out, chars = [], iter(literal[1:-1])
    for c in chars:
        out.append(next(chars) if c == "\\" else c)
    return "".join(out)


def test_wechat_handle_pattern_is_the_documented_one():
    assert pattern_for("wechat-id", "vivian_kbt88") == (
        "[user-account:account_login = 'vivian_kbt88' AND user-account:account_type = 'wechat']"
    )


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("email", "vivian.k@kestrelbridge-talent.com",
     "[email-addr:value = 'vivian.k@kestrelbridge-talent.com']"),
    ("linkedin-url", "https://www.linkedin.com/in/vivian-k-4b1a2c39",
     "[url:value = 'https://www.linkedin.com/in/vivian-k-4b1a2c39']"),
    ("url", "https://kestrelbridge-talent.com/apply", "[url:value = "
     "'https://kestrelbridge-talent.com/apply']"),
    ("domain", "kestrelbridge-talent.com", "[domain-name:value = 'kestrelbridge-talent.com']"),
    ("whatsapp-number", "+85251234567", "[user-account:account_login = '+85251234567' AND "
     "user-account:account_type = 'whatsapp']"),
    ("telegram", "@kbt_vivian", "[user-account:account_login = '@kbt_vivian' AND "
     "user-account:account_type = 'telegram']"),
    ("phone", "+85251234567", "[user-account:account_login = '+85251234567']"),
])
def test_each_indicator_type_gives_a_valid_pattern(kind, value, expected):
    pattern = pattern_for(kind, value)
    assert pattern == expected
    assert _valid(pattern)


def test_company_has_no_pattern():
    assert pattern_for("company", "Kestrel Bridge Talent") is None
    assert observable_for("company", "Kestrel Bridge Talent") is None


@pytest.mark.parametrize("hostile", [
    "x'] OR [x:y = '",
    "vivian' OR user-account:account_login = 'anyone",
    "back\\slash\\",
    "\\'] OR [domain-name:value = 'evil.example",
    "quote''s",
    "中文'微信\\号",
])
def test_hostile_values_stay_one_literal(hostile):
    pattern = pattern_for("wechat-id", hostile)
    assert _valid(pattern)
    comparisons = Pattern(pattern).inspect().comparisons
    # One observation, only the two comparisons we wrote, the value exactly as given.
    assert list(comparisons) == ["user-account"]
    assert [path for path, _, _ in comparisons["user-account"]] == [
        ["account_login"], ["account_type"]]
    login = comparisons["user-account"][0][2]
    assert _unquote(login) == hostile


@pytest.mark.parametrize("bad", ["line\nbreak", "tab\there", "nul\x00", "cr\r", "", "   ",
                                 "sep\u2028arator"])
def test_values_with_control_characters_are_refused(bad):
    with pytest.raises(UnpatternableValue):
        pattern_for("telegram", bad)
    with pytest.raises(UnpatternableValue):
        quote(bad)


def test_observable_leaves_out_service_names_outside_the_vocabulary():
    wechat = observable_for("wechat-id", "vivian_kbt88")
    assert wechat.object_properties() == {"account_login": "vivian_kbt88"}
    assert dict(wechat.properties)["account_type"] == "wechat"  # still in the pattern
