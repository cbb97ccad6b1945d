"""Run by test_nothing_lost in a child process: submit one file as a user and print the
receipt. The parent sets LUREWATCH_TEST_CRASH_AT to kill this process mid-ingest."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from lurewatch.server.app import create_app
from lurewatch.server.settings import Settings


def main(db_url: str, data_dir: str, username: str, password: str, fixture: str) -> None:
    app = create_app(Settings(data_dir=Path(data_dir), db_url=db_url,
                              fast_password_hashing=True))
    client = TestClient(app)
    client.post("/login", data={"username": username, "password": password})
    csrf = client.get("/api/me").json()["csrf"]
    path = Path(fixture)
    r = client.post("/api/reports", files={"file": (path.name, path.read_bytes())},
                    headers={"x-csrf-token": csrf})
    print(json.dumps({"status": r.status_code, "body": r.json()}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
