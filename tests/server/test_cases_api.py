"""Reports in, cases out: the same verdicts as `scan`, idempotent re-submission, a new message
joining its case, visibility by role, triage with conflict detection, notes, audit, search,
campaigns, exports, escaping, retention."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lurewatch.server.db import audit_log, cases, messages
from tests.server.conftest import FIXTURES, submit_file, submit_text

pytestmark = pytest.mark.usefixtures("pipeline")


def _count(service, table) -> int:
    with service.app.state.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_case_shows_what_scan_reports_for_the_same_input(service):
    from lurewatch.pipeline import Scanner
    from lurewatch.report.json_report import conversation_entry

    rita, csrf = service.client("rita")
    r = submit_file(rita, csrf, "whatsapp_vivian.txt")
    assert r.status_code == 201
    receipt = r.json()
    assert receipt["duplicate"] is False and len(receipt["cases"]) == 1
    case_id = receipt["cases"][0]["id"]
    served = rita.get(f"/api/cases/{case_id}").json()["entry"]
    cli = [conversation_entry(s, include_messages=True)
           for s in Scanner().scan_paths([str(FIXTURES / "whatsapp_vivian.txt")])]
    assert len(cli) == 1
    expected = cli[0]
    assert served["source"] == "whatsapp_vivian.txt"
    for key in ("source", "id"):
        served.pop(key), expected.pop(key)
    assert served == expected
    assert receipt["cases"][0]["level"] == expected["level"] == "high"


def test_resubmitting_the_same_material_does_not_duplicate(service):
    rita, csrf = service.client("rita")
    first = submit_file(rita, csrf, "whatsapp_vivian.txt").json()
    again = submit_file(rita, csrf, "whatsapp_vivian.txt")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["report_id"] == first["report_id"]
    # Someone else sending the very same file: a report of their own, the same case.
    rory, csrf2 = service.client("rory")
    other = submit_file(rory, csrf2, "whatsapp_vivian.txt").json()
    assert other["report_id"] != first["report_id"]
    assert [c["id"] for c in other["cases"]] == [c["id"] for c in first["cases"]]
    assert _count(service, cases) == 1
    # The same text pasted twice.
    text = (FIXTURES / "recruiter_benign.txt").read_text()
    a = submit_text(rita, csrf, text).json()
    b = submit_text(rita, csrf, text.replace("\n", "\r\n"))
    assert b.json()["duplicate"] and b.json()["report_id"] == a["report_id"]
    assert _count(service, cases) == 2


def test_a_new_message_joins_its_case_across_platforms(service):
    rita, csrf = service.client("rita")
    first = submit_file(rita, csrf, "whatsapp_vivian.txt").json()
    case_id = first["cases"][0]["id"]
    before = rita.get(f"/api/cases/{case_id}").json()
    later = submit_file(rita, csrf, "followup_vivian.txt").json()
    mail = submit_file(rita, csrf, "forwarded.eml").json()
    assert [c["id"] for c in later["cases"]] == [case_id]
    assert [c["id"] for c in mail["cases"]] == [case_id]
    after = rita.get(f"/api/cases/{case_id}").json()
    assert after["message_count"] == before["message_count"] + 2 + 1
    assert after["platforms"] == ["whatsapp", "email"]
    assert after["version"] == before["version"] + 2
    texts = [m["text"] for m in after["entry"]["messages"]]
    assert any("advance of USD 2,000" in t for t in texts)
    stamps = [m["ts"] for m in after["entry"]["messages"] if m["ts"]]
    assert stamps == sorted(stamps)  # one timeline
    assert [r["id"] for r in after["reports"]] == [first["report_id"], later["report_id"],
                                                   mail["report_id"]]
    assert _count(service, cases) == 1


def test_a_shared_handle_in_someone_elses_report_is_a_campaign_not_the_same_case(service):
    rita, csrf = service.client("rita")
    rory, csrf2 = service.client("rory")
    a = submit_file(rita, csrf, "campaign_a.txt").json()["cases"][0]["id"]
    b = submit_file(rory, csrf2, "campaign_b.txt").json()["cases"][0]["id"]
    assert a != b
    ana, _ = service.client("ana")
    found = ana.get("/api/campaigns").json()
    assert len(found) == 1 and found[0]["id"] == a and found[0]["size"] == 2
    detail = ana.get(f"/api/campaigns/{a}").json()
    assert sorted(c["id"] for c in detail["cases"]) == [a, b]
    assert "Sarah Chen" in detail["personas"]
    assert {t["organisation"] for t in detail["targeted_organisations"]} >= {
        "Ministry of Energy", "University of Tor"}
    assert any(i["value"] == "risehr_sarah01" for i in detail["indicators"])
    page = ana.get(f"/campaigns/{a}")
    assert page.status_code == 200 and "risehr_sarah01" in page.text


def test_reporters_see_only_their_own_reports(service):
    rita, csrf = service.client("rita")
    case_id = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    report_id = rita.get("/my").status_code
    assert report_id == 200
    rory, _ = service.client("rory")
    assert rory.get("/api/cases").json() == []
    assert rory.get(f"/api/cases/{case_id}").status_code == 404
    assert rory.get("/api/search?q=Shanghai").json() == []
    assert rory.get("/api/reports/1").status_code == 404
    assert [c["id"] for c in rita.get("/api/cases").json()] == [case_id]
    assert rita.get(f"/api/cases/{case_id}").json()["notes"] == []
    ana, _ = service.client("ana")
    assert [c["id"] for c in ana.get("/api/cases").json()] == [case_id]


def test_triage_detects_concurrent_changes(service):
    rita, csrf = service.client("rita")
    case_id = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    ana, ca = service.client("ana")
    bob, cb = service.client("bob")
    seen_by_ana = ana.get(f"/api/cases/{case_id}").json()["version"]
    seen_by_bob = bob.get(f"/api/cases/{case_id}").json()["version"]
    r = ana.patch(f"/api/cases/{case_id}", json={"version": seen_by_ana, "status": "escalated",
                                                 "labels": ["csis-referral"]},
                  headers={"x-csrf-token": ca})
    assert r.status_code == 200 and r.json()["version"] == seen_by_ana + 1
    r = bob.patch(f"/api/cases/{case_id}", json={"version": seen_by_bob,
                                                 "status": "closed_benign"},
                  headers={"x-csrf-token": cb})
    assert r.status_code == 409 and "changed by someone else" in r.json()["detail"]
    now = bob.get(f"/api/cases/{case_id}").json()
    assert now["status"] == "escalated" and now["labels"] == ["csis-referral"]
    # The web form shows the conflict instead of overwriting.
    r = bob.post(f"/cases/{case_id}/triage", data={"version": seen_by_bob, "csrf": cb,
                                                   "status": "closed_benign", "labels": ""})
    assert r.status_code == 200 and "Someone else changed this case" in r.text
    assert bob.get(f"/api/cases/{case_id}").json()["status"] == "escalated"
    # If-Match works as the version too; a missing version is refused.
    r = bob.patch(f"/api/cases/{case_id}", json={"status": "in_triage"},
                  headers={"x-csrf-token": cb, "If-Match": str(now["version"])})
    assert r.status_code == 200
    r = bob.patch(f"/api/cases/{case_id}", json={"status": "in_triage"},
                  headers={"x-csrf-token": cb})
    assert r.status_code == 428
    r = bob.patch(f"/api/cases/{case_id}", json={"version": now["version"] + 1,
                                                 "status": "bogus"},
                  headers={"x-csrf-token": cb})
    assert r.status_code == 422


def test_a_new_message_conflicts_with_a_stale_triage(service):
    rita, csrf = service.client("rita")
    case_id = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    ana, ca = service.client("ana")
    seen = ana.get(f"/api/cases/{case_id}").json()["version"]
    submit_file(rita, csrf, "followup_vivian.txt")
    r = ana.patch(f"/api/cases/{case_id}", json={"version": seen, "status": "closed_benign"},
                  headers={"x-csrf-token": ca})
    assert r.status_code == 409  # the analyst has not seen the new evidence


def test_notes_and_the_audit_log(service):
    rita, csrf = service.client("rita")
    receipt = submit_file(rita, csrf, "whatsapp_vivian.txt").json()
    case_id = receipt["cases"][0]["id"]
    assert rita.get(f"/receipts/{receipt['report_id']}").status_code == 200
    ana, ca = service.client("ana")
    ana.get(f"/api/cases/{case_id}")
    r = ana.post(f"/api/cases/{case_id}/notes", json={"text": "Called Daniel; he kept copies."},
                 headers={"x-csrf-token": ca})
    assert r.status_code == 201
    version = ana.get(f"/api/cases/{case_id}").json()["version"]
    ana.patch(f"/api/cases/{case_id}", json={"version": version, "status": "in_triage"},
              headers={"x-csrf-token": ca})
    ana.get(f"/api/export?format=csv&case={case_id}")
    case = ana.get(f"/api/cases/{case_id}").json()
    assert [n["text"] for n in case["notes"]] == ["Called Daniel; he kept copies."]
    assert case["notes"][0]["author"] == "ana"
    admin, _ = service.client("admin")
    log = admin.get(f"/api/audit?case={case_id}").json()
    actions = [(e["username"], e["action"]) for e in reversed(log)]
    assert actions[0] == ("rita", "case.create")
    for expected in [("ana", "case.read"), ("ana", "case.note"), ("ana", "case.update"),
                     ("ana", "case.export"), ("rita", "case.read")]:
        assert expected in actions
    update = next(e for e in log if e["action"] == "case.update")
    assert update["detail"]["status"] == {"from": "new", "to": "in_triage"}


def test_queue_filters(service):
    rita, csrf = service.client("rita")
    rory, csrf2 = service.client("rory")
    hostile = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    benign = submit_text(rory, csrf2, (FIXTURES / "recruiter_benign.txt").read_text()
                         ).json()["cases"][0]["id"]
    ana, _ = service.client("ana")

    def ids(query: str) -> list[int]:
        r = ana.get(f"/api/cases?{query}")
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()]

    assert ids("") == [hostile, benign]  # by risk
    assert ids("level=high") == [hostile]
    assert ids("level=low") == [benign]
    assert ids("platform=whatsapp") == [hostile]
    assert ids("stage=tasking_for_payment") == [hostile]
    assert ids("status=new") == [hostile, benign]
    assert ids("status=escalated") == []
    assert ids("organisation=ministry of energy") == [hostile]
    assert ids("date_from=2026-03-01&date_to=2026-03-31") == [hostile]
    assert ids("date_from=2026-04-01") == [benign]  # undated: counted from its arrival
    assert ids("q=Shanghai") == [hostile]
    assert ana.get("/api/cases?level=extreme").status_code == 422
    page = ana.get("/queue?level=high")
    assert page.status_code == 200 and f'href="/cases/{hostile}"' in page.text
    assert f'href="/cases/{benign}"' not in page.text


def test_search_english_and_chinese(service):
    rita, csrf = service.client("rita")
    zh = submit_file(rita, csrf, "approach_zh.txt").json()["cases"][0]["id"]
    en = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    ana, _ = service.client("ana")
    for query, case_id in (("报酬", zh), ("微信转账", zh), ("liming_sh88", zh),
                           ("critical minerals", en), ("CRITICAL MINERALS", en)):
        hits = ana.get("/api/search", params={"q": query}).json()
        assert {h["case_id"] for h in hits} == {case_id}, query
        assert hits[0]["match"].casefold() == query.casefold()
    assert ana.get("/api/search", params={"q": "nothing like this"}).json() == []
    assert ana.get("/api/search", params={"q": '" OR x'}).status_code == 200
    page = ana.get("/search", params={"q": "报酬"})
    assert "<mark>报酬</mark>" in page.text


def test_message_text_is_escaped_in_pages(service):
    rita, csrf = service.client("rita")
    evil = ("Mallory: <script>alert('x')</script> our client pays USD 3,000 for a report, "
            "keep it between us <img src=x onerror=alert(1)>\nDaniel: ok")
    r = submit_text(rita, csrf, evil)
    assert r.status_code == 201
    case_id = r.json()["cases"][0]["id"]
    ana, _ = service.client("ana")
    for page in (ana.get(f"/cases/{case_id}").text, ana.get("/search?q=script").text,
                 rita.get(f"/receipts/{r.json()['report_id']}").text):
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in ana.get(f"/cases/{case_id}").text


def test_uploads_in_any_format_and_unsafe_archives(service, tmp_path):
    rita, csrf = service.client("rita")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("_chat.txt", (FIXTURES / "whatsapp_vivian.txt").read_text())
        z.writestr("../../escape.txt", "Mallory: hi")
    r = submit_file(rita, csrf, "../../chat export.zip", buffer.getvalue())
    assert r.status_code == 201, r.text
    assert r.json()["cases"][0]["level"] == "high"
    assert not (service.data_dir / "escape.txt").exists()
    assert not list(service.data_dir.parent.glob("escape.txt"))
    assert list((service.data_dir / "uploads").iterdir()) == []  # temp folders removed
    with service.app.state.engine.connect() as conn:
        from lurewatch.server.db import reports

        assert conn.execute(select(reports.c.filename)).scalar_one() == "chat export.zip"
    bad = submit_file(rita, csrf, "image.png", b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert bad.status_code == 422 and "could not read the report" in bad.json()["detail"]
    assert submit_text(rita, csrf, "  ").status_code == 400


def test_a_forwarded_eml_as_a_raw_body(service):
    admin, csrf = service.client("admin")
    token = admin.post("/api/admin/tokens", json={"name": "mail rule"},
                       headers={"x-csrf-token": csrf}).json()["token"]
    machine, _ = service.client()
    r = machine.post("/api/reports/raw?filename=fwd.eml",
                     content=(FIXTURES / "forwarded.eml").read_bytes(),
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "message/rfc822"})
    assert r.status_code == 201, r.text
    case = r.json()["cases"][0]
    assert case["level"] in ("medium", "high")
    detail = machine.get(f"/api/cases/{case['id']}",
                         headers={"Authorization": f"Bearer {token}"}).json()
    assert detail["platforms"] == ["email"]


def test_submission_rate_limit(db_url, tmp_path):
    from tests.server.conftest import make_service

    svc = make_service(db_url, tmp_path / "rl", submissions_per_minute=2)
    rita, csrf = svc.client("rita")
    codes = [submit_text(rita, csrf, f"Eve: message number {i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    svc.app.state.engine.dispose()


def test_exports_for_a_selection_and_a_campaign(service):
    rita, csrf = service.client("rita")
    rory, csrf2 = service.client("rory")
    hostile = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    a = submit_file(rita, csrf, "campaign_a.txt").json()["cases"][0]["id"]
    submit_file(rory, csrf2, "campaign_b.txt")
    ana, _ = service.client("ana")
    stix = ana.get(f"/api/export?format=stix&case={hostile}")
    assert stix.status_code == 200
    bundle = json.loads(stix.text)
    assert bundle["type"] == "bundle"
    kinds = {o["type"] for o in bundle["objects"]}
    assert "campaign" in kinds and "attack-pattern" in kinds
    entry = ana.get(f"/api/cases/{hostile}").json()["entry"]
    misp = ana.get(f"/api/export?format=misp&case={hostile}").json()
    for ind in entry["indicators"]:
        if ind["type"] != "company":
            assert ind["value"] in stix.text and ind["value"] in json.dumps(misp)
    assert "Daniel" not in stix.text  # redacted: the reporter's own name never leaves
    campaign_stix = ana.get(f"/api/export?format=stix&campaign={a}").text
    assert "risehr_sarah01" in campaign_stix
    csv_text = ana.get(f"/api/export?format=csv&campaign={a}&min_level=low").text
    rows = csv_text.strip().splitlines()
    assert rows[0].startswith("type,value,conversation_id,campaign_id")
    assert any("risehr_sarah01" in row for row in rows[1:])
    assert all(f"case-{hostile}" not in row for row in rows[1:])
    assert ana.get("/api/export?format=pdf").status_code == 422
    assert ana.get(f"/api/export?format=csv&case={hostile}&redact=false").status_code == 403


def test_retention_deletes_old_text_but_keeps_verdicts(service):
    rita, csrf = service.client("rita")
    case_id = submit_file(rita, csrf, "whatsapp_vivian.txt").json()["cases"][0]["id"]
    fresh = submit_text(rita, csrf, (FIXTURES / "recruiter_benign.txt").read_text()
                        ).json()["cases"][0]["id"]
    ana, _ = service.client("ana")
    before = ana.get(f"/api/cases/{case_id}").json()
    admin, ca = service.client("admin")
    r = admin.put("/api/admin/retention", json={"days": 30}, headers={"x-csrf-token": ca})
    # The chat is from March 2026, long before today; the undated paste arrived just now.
    days_old = (datetime.now(UTC) - datetime(2026, 3, 20, tzinfo=UTC)).days
    assert r.status_code == 200
    assert r.json()["cases_purged"] == (1 if days_old > 30 else 0)
    if days_old <= 30:
        pytest.skip("the fixture chat is not yet older than 30 days")
    after = ana.get(f"/api/cases/{case_id}").json()
    assert after["purged"] is True
    assert after["level"] == before["level"] and after["risk"] == before["risk"]
    assert after["entry"]["indicators"] == before["entry"]["indicators"]
    assert [s["stage"] for s in after["entry"]["stages"]] == [
        s["stage"] for s in before["entry"]["stages"]]
    assert all(m["text"] == "" for m in after["entry"]["messages"])
    assert all(s["evidence"] == "" for s in after["entry"]["stages"])
    assert ana.get("/api/search?q=Shanghai").json() == []
    with service.app.state.engine.connect() as conn:
        kept = conn.execute(select(messages.c.text).where(messages.c.case_id == fresh)).all()
    assert all(row.text for row in kept)
    assert ana.get(f"/cases/{case_id}").status_code == 200
    # A new message from the same number no longer rebuilds a case whose text is gone.
    later = submit_file(rita, csrf, "followup_vivian.txt").json()
    assert later["cases"][0]["id"] not in (case_id, fresh)
    with service.app.state.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)
                            .where(audit_log.c.action == "retention.set")).scalar_one() == 1
    assert admin.put("/api/admin/retention", json={"days": 0}, headers={"x-csrf-token": ca}
                     ).status_code == 422
    _ = timedelta
