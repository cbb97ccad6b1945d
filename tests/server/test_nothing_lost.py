"""Nothing lost: a report is acknowledged only after its commit; a process killed during
ingest leaves no half case and loses nothing acknowledged; concurrent writers neither
duplicate nor overwrite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lurewatch.server.db import campaigns, case_identities, case_reports, cases, messages, reports
from tests.server.conftest import FIXTURES, PASSWORD, make_service, submit_file

pytestmark = pytest.mark.usefixtures("pipeline")
ROOT = Path(__file__).resolve().parents[2]


def _ingest(db_url: str, data_dir: Path, user: str, fixture: str,
            crash_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("LUREWATCH_TEST_CRASH_AT", None)
    if crash_at:
        env["LUREWATCH_TEST_CRASH_AT"] = crash_at
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT),
                                         env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, str(Path(__file__).with_name("ingest_child.py")), db_url,
         str(data_dir), user, PASSWORD, str(FIXTURES / fixture)],
        env=env, capture_output=True, text=True, timeout=120)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (reports, cases, messages, case_reports, case_identities)}


def test_a_kill_during_ingest_leaves_no_half_case(db_url, tmp_path):
    svc = make_service(db_url, tmp_path / "data")
    engine = svc.app.state.engine
    done = _ingest(db_url, svc.data_dir, "rita", "whatsapp_vivian.txt")
    assert done.returncode == 0, done.stderr
    receipt = json.loads(done.stdout.strip().splitlines()[-1])
    assert receipt["status"] == 201  # acknowledged
    acked_case = receipt["body"]["cases"][0]["id"]
    after_ack = _counts(engine)
    with engine.connect() as conn:
        acked = conn.execute(select(cases.c.entry, cases.c.version)
                             .where(cases.c.id == acked_case)).one()

    # Killed at each step of a new report's transaction, and while a new message joins
    # the acknowledged case: never a receipt, never a trace.
    for fixture, point in (("campaign_a.txt", "after_case"),
                           ("followup_vivian.txt", "before_commit")):
        killed = _ingest(db_url, svc.data_dir, "rita", fixture, crash_at=point)
        assert killed.returncode == 99, (point, killed.stderr)
        assert killed.stdout.strip() == ""  # nothing was acknowledged
        assert _counts(engine) == after_ack, point
    with engine.connect() as conn:
        still = conn.execute(select(cases.c.entry, cases.c.version)
                             .where(cases.c.id == acked_case)).one()
    assert still == acked

    # The service goes on with the same store and the same material goes in whole.
    client, csrf = svc.client("rita")
    assert submit_file(client, csrf, "campaign_a.txt").status_code == 201
    assert submit_file(client, csrf, "followup_vivian.txt").json()["cases"][0]["id"] == acked_case
    assert _counts(engine)["cases"] == 2
    engine.dispose()


def test_campaigns_catch_up_when_grouping_did_not_run(db_url, tmp_path, monkeypatch):
    """Committed reports whose campaign grouping never ran (the process died right after
    the commit): the next start regroups."""
    from lurewatch.server import intake
    from lurewatch.server.app import create_app
    from lurewatch.server.settings import Settings

    svc = make_service(db_url, tmp_path / "data")
    monkeypatch.setattr(intake, "refresh_campaigns", lambda engine: 0)
    rita, csrf = svc.client("rita")
    rory, csrf2 = svc.client("rory")
    assert submit_file(rita, csrf, "campaign_a.txt").status_code == 201
    assert submit_file(rory, csrf2, "campaign_b.txt").status_code == 201
    engine = svc.app.state.engine
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(cases)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(campaigns)).scalar_one() == 0
    restarted = create_app(Settings(data_dir=svc.data_dir, db_url=db_url))
    with restarted.state.engine.connect() as conn:
        sizes = conn.execute(select(campaigns.c.size)).scalars().all()
    assert sizes == [2]
    restarted.state.engine.dispose()
    engine.dispose()


def test_concurrent_identical_submissions_make_one_report(service):
    results: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client, csrf = service.client("rita")
            r = submit_file(client, csrf, "whatsapp_vivian.txt")
            results.append(r.json()["report_id"])
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(results) == 4 and len(set(results)) == 1
    counts = _counts(service.app.state.engine)
    assert counts["reports"] == 1 and counts["cases"] == 1
