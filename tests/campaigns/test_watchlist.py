"""The published-persona watchlist: fuzzy matching, hit strength, and users' own lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from lurewatch.campaigns.minhash import bands_for, candidate_pairs, jaccard, signatures
from lurewatch.campaigns.names import company_similarity, name_similarity, persona_key
from lurewatch.campaigns.watchlist import load_watchlist
from lurewatch.ingest.base import InputError


@pytest.fixture(scope="module")
def builtin():
    return load_watchlist()


def test_every_builtin_entry_names_its_source(builtin):
    ids = {e.id for e in builtin.entries}
    assert {"bfv-2017-rachel-li", "bfv-2017-alex-li", "bfv-2017-laeticia-chen",
            "bfv-2017-lily-wu", "bfv-2017-eva-han", "bfv-2017-jason-wang", "bfv-2017-allen-liu",
            "mi5-2025-br-yr", "mi5-2025-internship-union", "hudson-2018-drhr",
            "ap-2019-katie-jones", "secureworks-2017-mia-ash"} <= ids
    assert all(e.source.strip() for e in builtin.entries)
    assert not builtin.issues


@pytest.mark.parametrize(("name", "company", "entry", "strength"), [
    ("Rachael Lee", "Rise HR", "bfv-2017-rachel-li", "strong"),
    ("LI Rachel", "RiseHR", "bfv-2017-rachel-li", "strong"),
    ("Alex Lee", "Centre for Sino Europe Development Studies", "bfv-2017-alex-li", "strong"),
    ("Laetitia Chen", None, "bfv-2017-laeticia-chen", "medium"),
    ("Jason Wong", "Acme Analytics", "bfv-2017-jason-wang", "weak"),
    ("Amy Q.", "BRYR Executive Search Ltd", "mi5-2025-br-yr", "strong"),
    ("Bob Stone", "DRHR", "hudson-2018-drhr", "strong"),
    ("Katie Jones", "CSIS", "ap-2019-katie-jones", "strong"),
    ("Mia Ash", None, "secureworks-2017-mia-ash", "medium"),
])
def test_published_personas_match_with_their_strength(builtin, name, company, entry, strength):
    hit = builtin.match(name, company)[0]
    assert (hit.entry.id, hit.strength) == (entry, strength)
    assert hit.entry.source.split(",")[0] in hit.reason and strength in hit.reason


@pytest.mark.parametrize(("name", "company"), [
    ("Jason", None),  # a first name alone never hits
    ("Jason Smith", "Acme"),
    ("Lily Wuhrmann", None),
    ("Bob Stone", "DRHQ"),  # one letter off a four-letter acronym is another firm
    ("John Doe", "Center for Strategic and International Studies"),  # a real think tank
    (None, None),
])
def test_near_misses_do_not_hit(builtin, name, company):
    assert builtin.match(name, company) == []


def test_user_lists_in_csv_and_yaml(tmp_path: Path):
    csv_path = tmp_path / "ours.csv"
    csv_path.write_text(
        "\ufeffname,company,source,common_name\n"
        "Robin Zhang,Harbor Policy Institute,our SOC 2025-03,false\n"
        ",,missing both,\n"
        "Grace Zhou,,our SOC 2025-04,no\n", encoding="utf-8")
    yaml_path = tmp_path / "more.yaml"
    yaml_path.write_text("entries:\n  - company: Northgate Talent\n    source: partner feed\n"
                         "  - kind: robot\n    name: X Y\n", encoding="utf-8")
    wl = load_watchlist([csv_path, yaml_path])
    hit = wl.match("Robin Chang", "Harbor Policy Institute")[0]
    assert (hit.entry.source, hit.strength, hit.entry.list_name) == (
        "our SOC 2025-03", "strong", str(csv_path))
    assert wl.match("Grace Chow", None)[0].strength == "medium"
    assert wl.match("Anyone", "Northgate Talent Ltd")[0].entry.source == "partner feed"
    messages = [str(i) for i in wl.issues]
    assert any("ours.csv:3" in m and "neither a name nor a company" in m for m in messages)
    assert any("more.yaml" in m and "kind must be" in m for m in messages)


def test_unreadable_or_unknown_user_list_is_a_one_line_error(tmp_path: Path):
    with pytest.raises(InputError, match="cannot read watchlist"):
        load_watchlist([tmp_path / "absent.yaml"])
    bad = tmp_path / "list.txt"
    bad.write_text("Rachel Li")
    with pytest.raises(InputError, match=r"must be \.yaml"):
        load_watchlist([bad])
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries: [\n  - {name: ")
    with pytest.raises(InputError, match="not valid YAML"):
        load_watchlist([broken])


def test_name_and_company_normalisation():
    assert persona_key("Rachael Lee") == persona_key("LI Rachel") == "li rachel"
    assert name_similarity("Dr. Allan Lau", "Allen Liu") == 100
    assert name_similarity("Rachel Li", "Richard Lindqvist") < 70
    assert company_similarity("RiseHR", "Rise H.R. Ltd") == 100
    assert company_similarity("Internship-Union", "InternshipUnion") == 100


def test_minhash_estimates_jaccard_and_lsh_finds_near_duplicates():
    base = [f"w{i}" for i in range(40)]
    docs = [
        frozenset(base),
        frozenset([*base[:36], "x1", "x2", "x3", "x4"]),  # true Jaccard 36/44 = 0.82
        frozenset(f"other{i}" for i in range(40)),
    ]
    sigs = signatures(docs, num_perm=128)
    assert (signatures(docs, num_perm=128) == sigs).all()  # deterministic
    pairs = candidate_pairs(sigs, *bands_for(0.5, 128))
    assert pairs.tolist() == [[0, 1]]
    assert abs(jaccard(sigs, pairs)[0] - 36 / 44) < 0.15
