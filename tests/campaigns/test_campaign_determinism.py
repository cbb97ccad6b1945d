"""A campaign report is the same in every run: nothing in it may follow the order of a set,
which Python changes from run to run (PYTHONHASHSEED). Two conversations that share a
WhatsApp number, a LinkedIn profile and a WeChat id, grouped under eight hash seeds."""

from __future__ import annotations

import json
from pathlib import Path

_PROBE = """
import json, sys
sys.path.insert(0, {here!r})
from conftest import build_scanned
from lurewatch.campaigns.group import campaign_to_report, group_campaigns
from lurewatch.model import Indicator

def shared(i):
    return [Indicator("whatsapp-number", "+447700900123", 2, "+44 7700 900123", "counterpart"),
            Indicator("linkedin-url", "linkedin.com/in/vivian-kwok-kbt", 0,
                      "https://www.linkedin.com/in/vivian-kwok-kbt", "counterpart"),
            Indicator("wechat-id", "vivian_kbt88", 2, "vivian_kbt88", "counterpart"),
            Indicator("email", f"v{{i}}@kestrelbridge-talent.com", 2,
                      f"v{{i}}@kestrelbridge-talent.com", "counterpart")]

items = [build_scanned(f"li-{{i}}", opening, persona=persona, company="Kestrel Bridge Talent",
                       indicators=shared(i), risk=0.8)
         for i, (opening, persona) in enumerate([
             ("Hello Dr Roy, I lead research partnerships for a consultancy in Hong Kong.",
              "Vivian Kwok"),
             ("Dear Ms Lambert, our clients value your work on energy policy very much.",
              "Vivien Kwok")])]
print(json.dumps([campaign_to_report(c) for c in group_campaigns(items)], default=str))
"""


def test_campaigns_are_the_same_under_every_hash_seed(stdout_under_hash_seeds) -> None:
    here = str(Path(__file__).resolve().parent)
    outputs = stdout_under_hash_seeds(["-c", _PROBE.format(here=here)])
    assert len(outputs) == 1
    (campaign,) = json.loads(outputs.pop())
    assert campaign["reasons"][:3] == [
        "same LinkedIn profile linkedin.com/in/vivian-kwok-kbt in 2 conversations",
        "same WeChat id vivian_kbt88 in 2 conversations",
        "same WhatsApp number +447700900123 in 2 conversations",
    ]
