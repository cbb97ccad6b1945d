"""Fixtures for the service tests: an app on SQLite and on PostgreSQL, users of each role,
and logged-in clients.

PostgreSQL: postgresql://postgres@127.0.0.1:5432/test, one fresh schema per test, dropped
after. Without a reachable server the PostgreSQL cases skip, except under CI, where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BASE = os.environ.get("LUREWATCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "server"
PASSWORD = "correct horse battery"
USERS = {"admin": "admin", "ana": "analyst", "bob": "analyst", "rita": "reporter",
         "rory": "reporter"}


def pipeline_missing() -> str | None:
    """Why the full scan pipeline cannot run here (None when it can)."""
    try:
        from lurewatch.pipeline import Scanner

        Scanner()
    except Exception as exc:
        return f"scan pipeline not available yet ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def pipeline() -> None:
    reason = pipeline_missing()
    if reason:
        pytest.skip(reason)


def _pg_schema_url() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    url = PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        admin = create_engine(url)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_BASE} is not reachable under CI: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_BASE}")
    schema = f"lw_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite3'}"
    else:
        yield from _pg_schema_url()


@dataclass
class Service:
    app: object
    data_dir: Path
    db_url: str

    def client(self, username: str | None = None) -> tuple[object, str | None]:
        """A TestClient, logged in as `username` when given; returns (client, csrf)."""
        from fastapi.testclient import TestClient

        client = TestClient(self.app)
        if username is None:
            return client, None
        r = client.post("/login", data={"username": username, "password": PASSWORD,
                                        "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        return client, client.get("/api/me").json()["csrf"]


def make_service(db_url: str, data_dir: Path, **settings: object) -> Service:
    from lurewatch.server.app import create_app
    from lurewatch.server.auth import create_user
    from lurewatch.server.settings import Settings

    settings.setdefault("fast_password_hashing", True)
    app = create_app(Settings(data_dir=data_dir, db_url=db_url, **settings))
    with app.state.engine.begin() as conn:
        for name, role in USERS.items():
            create_user(conn, name, PASSWORD, role, organisation="Ministry of Energy"
                        if name == "rita" else ("University of Tor" if name == "rory" else None))
    return Service(app, data_dir, db_url)


@pytest.fixture
def service(db_url: str, tmp_path: Path) -> Iterator[Service]:
    svc = make_service(db_url, tmp_path / "data")
    yield svc
    svc.app.state.engine.dispose()


def submit_file(client: object, csrf: str | None, name: str, data: bytes | None = None,
                **form: str) -> object:
    body = data if data is not None else (FIXTURES / name).read_bytes()
    return client.post("/api/reports", files={"file": (name, body)}, data=form,
                       headers={"x-csrf-token": csrf or ""})


def submit_text(client: object, csrf: str | None, text: str, **form: str) -> object:
    return client.post("/api/reports", data={"text": text, **form},
                       headers={"x-csrf-token": csrf or ""})
