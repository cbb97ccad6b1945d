"""Loading rule packs: built-in packs always first, user folders after, and every broken pack
reported in one line that names the file and the rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lurewatch.detect.rules.engine import RuleDetector
from lurewatch.detect.rules.loader import BUILTIN_DIR, RulePackError, load_pack, load_packs
from lurewatch.ingest.base import InputError
from lurewatch.model import STAGES, Conversation, Message

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "detect_rules"
THREAT_MODEL_SOURCES = re.compile(
    r"CSIS|MI5|NPSA|CPNI|BfV|DGSI|NCSC|FBI|ASIO|US v\. (?:Mallory|Yeo|Xu|Shriver)|MITRE ATT&CK|"
    r"Hudson|Threat model")
MAIN_STAGES = {"approach", "platform_shift", "tasking_for_payment", "payment", "travel_meeting",
               "client_introduction", "secrecy", "escalation_sensitive"}


def one_line(exc: pytest.ExceptionInfo[RulePackError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def write_pack(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


RULE = """
pack: test-pack
version: 1
language: en
rules:
  - id: {rule_id}
    stage: {stage}
    keywords: [between us]
    patterns:
      - '{pattern}'
    confidence: {confidence}
    explanation: "{explanation}"
    source: "Threat model, Secrecy: keep this private"
"""


def rule_pack(**overrides: str) -> str:
    values = {"rule_id": "test.between-us", "stage": "secrecy",
              "pattern": r"\bbetween (?P<who>us|you and me)\b", "confidence": "0.6",
              "explanation": "asks to keep it between {who}"}
    values.update(overrides)
    return RULE.format(**values)


def test_builtin_packs_load_in_four_languages() -> None:
    packs = load_packs([])
    assert {p.language for p in packs} == {"en", "zh", "de", "fr"}
    assert all(Path(p.path).parent == BUILTIN_DIR for p in packs)


def test_every_builtin_rule_cites_a_threat_model_source() -> None:
    for pack in load_packs([]):
        for rule in pack.rules:
            assert THREAT_MODEL_SOURCES.search(rule.source), (rule.id, rule.source)


def test_stage_coverage_per_language() -> None:
    covered: dict[str, set[str]] = {}
    for pack in load_packs([]):
        covered.setdefault(pack.language, set()).update(r.stage for r in pack.rules)
    assert covered["en"] == set(STAGES)
    assert covered["zh"] == set(STAGES)
    assert covered["de"] >= MAIN_STAGES | {"compliance_safeguards"}
    assert covered["fr"] >= MAIN_STAGES | {"compliance_safeguards"}


def test_builtin_examples_fire_their_own_rule() -> None:
    detector = RuleDetector()
    checked = 0
    for rule in detector.rules:
        for example in rule.examples:
            hits = detector.detect_text(example, "counterpart")
            assert rule.id in {f.explanation.rule_id for f in hits}, (rule.id, example)
            checked += 1
    assert checked >= len(detector.rules)


def test_user_pack_adds_a_rule_and_disables_one() -> None:
    packs = load_packs([FIXTURES / "user-pack"])
    assert packs[-1].name == "acme-watchlist"
    detector = RuleDetector(packs)
    ids = {r.id for r in detector.rules}
    assert "acme.front.br-yr" in ids and "en.urgency.deadline" not in ids
    conv = Conversation("u", [Message("counterpart", "linkedin",
                                      "Hello, I recruit for BR-YR Executive Search. Reply ASAP.")])
    found = detector.detect(conv, [])
    hit = next(f for f in found if f.explanation.rule_id == "acme.front.br-yr")
    assert hit.evidence == "BR-YR Executive Search"
    assert hit.explanation.reason == "names BR-YR Executive Search, a front named by MI5"
    assert "urgency_pressure" not in {f.stage for f in found}


def test_broken_yaml_is_one_line_naming_the_file() -> None:
    with pytest.raises(RulePackError) as exc:
        load_packs([FIXTURES / "broken-yaml"])
    message = one_line(exc)
    assert "broken.yaml" in message and "invalid YAML at line" in message


def test_bad_regex_names_file_and_rule() -> None:
    with pytest.raises(RulePackError) as exc:
        load_packs([FIXTURES / "bad-regex"])
    message = one_line(exc)
    assert "bad-regex.yaml" in message
    assert "rule 'bad.unclosed-group'" in message and "bad regular expression" in message
    assert isinstance(exc.value, InputError)  # the CLI reports it like any bad input


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"stage": "recruitment"}, "'stage' must be one of the stage vocabulary"),
    ({"confidence": "1.5"}, "'confidence' must be a number from 0.01 to 1"),
    ({"explanation": "asks to keep it between {whom}"}, "uses {whom} but patterns[0]"),
    ({"rule_id": "Bad Id"}, "rule 'Bad Id': 'id' must be lower-case"),
])
def test_invalid_rule_fields(tmp_path: Path, overrides: dict[str, str], expected: str) -> None:
    path = write_pack(tmp_path, "pack.yaml", rule_pack(**overrides))
    with pytest.raises(RulePackError) as exc:
        load_pack(path)
    message = one_line(exc)
    assert str(path) in message and expected in message


def test_example_that_does_not_match_is_reported(tmp_path: Path) -> None:
    body = rule_pack() + "    examples:\n      - \"That stays between usual suspects.\"\n"
    with pytest.raises(RulePackError) as exc:
        load_pack(write_pack(tmp_path, "pack.yaml", body))
    assert "rule 'test.between-us': example 1 does not match" in one_line(exc)


def test_unknown_key_and_unquoted_yaml_word(tmp_path: Path) -> None:
    body = rule_pack().replace("    confidence:", "    confidense: 0.4\n    confidence:")
    with pytest.raises(RulePackError) as exc:
        load_pack(write_pack(tmp_path, "a.yaml", body))
    assert "unknown key(s): confidense" in one_line(exc)
    body = rule_pack().replace("keywords: [between us]", "keywords: [no, between us]")
    with pytest.raises(RulePackError) as exc:
        load_pack(write_pack(tmp_path, "b.yaml", body))
    assert "quote words such as 'no'" in one_line(exc)


def test_duplicate_id_across_packs_and_unknown_disable(tmp_path: Path) -> None:
    write_pack(tmp_path, "dup.yaml", rule_pack(rule_id="en.secrecy.dont-tell"))
    with pytest.raises(RulePackError) as exc:
        load_packs([tmp_path])
    assert "rule 'en.secrecy.dont-tell': id already used in pack 'core-en'" in one_line(exc)
    other = tmp_path / "other"
    other.mkdir()
    write_pack(other, "off.yaml", "pack: switch-off\nversion: 1\ndisable: [en.no-such-rule]\n")
    with pytest.raises(RulePackError) as exc:
        load_packs([other])
    assert "disable: no loaded rule has id 'en.no-such-rule'" in one_line(exc)


def test_on_error_skips_the_broken_pack_and_keeps_the_rest() -> None:
    errors: list[str] = []
    packs = load_packs([FIXTURES / "bad-regex", FIXTURES / "user-pack"], on_error=errors.append)
    assert [p.name for p in packs][-1] == "acme-watchlist"
    assert len(errors) == 1 and "bad.unclosed-group" in errors[0]


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RulePackError) as exc:
        load_packs([tmp_path / "nope"])
    assert "not a folder of rule packs" in one_line(exc)


def test_pack_file_is_not_changed_by_loading(tmp_path: Path) -> None:
    path = write_pack(tmp_path, "pack.yaml", rule_pack())
    before = path.read_bytes()
    load_packs([tmp_path])
    assert path.read_bytes() == before


def test_every_builtin_rule_fires_on_its_examples_and_not_on_counter_examples() -> None:
    from lurewatch.detect.rules.loader import BUILTIN_DIR, check_examples, load_pack

    checked = 0
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        for rule in load_pack(path, check=False).rules:
            check_examples(rule)  # raises RulePackError naming the rule
            checked += len(rule.examples)
    assert checked > 100


def test_optional_english_pack_loads_beside_the_built_ins_and_adds_findings() -> None:
    # rule-packs/: opt-in rules, checked like any user pack (examples fire,
    # counter-examples do not, ids do not clash with the built-in packs)
    folder = Path(__file__).resolve().parents[2] / "rule-packs"
    packs = load_packs([folder])
    extra = [p for p in packs if p.name == "en-funnel-extended"]
    assert len(extra) == 1 and len(extra[0].rules) >= 30
    assert all(THREAT_MODEL_SOURCES.search(r.source) for r in extra[0].rules)
    text = ("Could you write a 2,000-word note on the reorganisation for our clients? "
            "The fee is USD 1,500 for that piece.")
    conv = Conversation(id="opt", messages=[Message(sender="counterpart", platform="linkedin",
                                                    text=text)])
    built_in = {f.explanation.rule_id for f in RuleDetector().detect(conv, [])}
    with_extra = {f.explanation.rule_id for f in RuleDetector(packs).detect(conv, [])}
    assert not any(r.startswith("en.task.piece-for-fee") for r in built_in)
    assert "en.task.piece-for-fee" in with_extra


def test_builtin_regexes_compile_on_first_use_and_all_compile() -> None:
    # built-in packs leave compiling to first use (a scan meets only some rules' keywords,
    # and a main process whose workers analyse needs none); every pattern must still compile
    packs = load_packs([])
    rules = [rule for pack in packs for rule in pack.rules]
    assert rules and not any(rule._compiled for rule in rules)
    conv = Conversation(id="c", messages=[Message(
        sender="counterpart", platform="linkedin",
        text="Could we continue on WeChat? My client pays USD 2,000 per report.")])
    assert RuleDetector(packs).detect(conv, [])
    used = [rule for rule in rules if rule._compiled]
    assert 0 < len(used) < len(rules)
    for rule in rules:
        compiled = rule.regexes()
        assert len(compiled.patterns) == len(rule.pattern_sources)
        assert len(compiled.lower_patterns) == len(compiled.patterns)
        assert len(compiled.unless) == len(rule.unless_sources)
