"""Users, roles, sessions, CSRF, API tokens, rate limits and the schema: no scanning needed."""

from __future__ import annotations

from sqlalchemy import select, text

from lurewatch.server.db import api_tokens, audit_log, sessions, users
from tests.server.conftest import PASSWORD, make_service


def test_pages_need_login_and_api_answers_401(service):
    client, _ = service.client()
    r = client.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/queue"
    assert client.get("/api/cases").status_code == 401


def test_login_sets_a_hardened_cookie_and_stores_only_hashes(service):
    client, _ = service.client()
    r = client.post("/login", data={"username": "ana", "password": PASSWORD, "next": "/queue"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with service.app.state.engine.connect() as conn:
        stored = conn.execute(select(sessions.c.token_hash)).scalars().all()
        hashed = conn.execute(select(users.c.password_hash).where(users.c.username == "ana")
                              ).scalar_one()
    assert token not in stored and len(stored) == 1
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert client.get("/api/me").json()["role"] == "analyst"


def test_wrong_password_is_refused_and_audited(service):
    client, _ = service.client()
    r = client.post("/login", data={"username": "ana", "password": "wrong one!!"})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = client.post("/login", data={"username": "nobody", "password": "wrong one!!"})
    assert r.status_code == 401
    with service.app.state.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert actions.count("login.failed") == 2


def test_login_is_rate_limited(db_url, tmp_path):
    svc = make_service(db_url, tmp_path / "d", login_attempts_per_minute=3)
    client, _ = svc.client()
    codes = [client.post("/login", data={"username": "ana", "password": "nope nope"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # Even the right password waits out the window.
    r = client.post("/login", data={"username": "ana", "password": PASSWORD})
    assert r.status_code == 429
    svc.app.state.engine.dispose()


def test_changes_need_the_csrf_token(service):
    client, csrf = service.client("ana")
    assert client.patch("/api/cases/1", json={"version": 1, "status": "escalated"}
                        ).status_code == 403
    r = client.post("/api/reports", data={"text": "x"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/cases/1/notes", data={"text": "hello", "csrf": "forged"})
    assert r.status_code == 403
    # With the token the request goes through to the next check (no such case).
    assert client.patch("/api/cases/1", json={"version": 1, "status": "escalated"},
                        headers={"x-csrf-token": csrf}).status_code == 404


def test_roles(service):
    reporter, csrf = service.client("rita")
    assert reporter.get("/api/campaigns").status_code == 403
    assert reporter.get("/api/admin/users").status_code == 403
    assert reporter.patch("/api/cases/1", json={"version": 1, "status": "escalated"},
                          headers={"x-csrf-token": csrf}).status_code == 403
    assert reporter.get("/api/export?format=csv").status_code == 403
    analyst, _ = service.client("ana")
    assert analyst.get("/api/campaigns").status_code == 200
    assert analyst.get("/api/admin/users").status_code == 403
    admin, _ = service.client("admin")
    names = [u["username"] for u in admin.get("/api/admin/users").json()]
    assert names == ["admin", "ana", "bob", "rita", "rory"]


def test_api_tokens_for_machine_clients(service):
    admin, csrf = service.client("admin")
    users_by_name = {u["username"]: u["id"] for u in admin.get("/api/admin/users").json()}
    r = admin.post("/api/admin/tokens", json={"name": "mail gateway",
                                              "user_id": users_by_name["rita"]},
                   headers={"x-csrf-token": csrf})
    assert r.status_code == 201
    token = r.json()["token"]
    machine, _ = service.client()
    auth = {"Authorization": f"Bearer {token}"}
    assert machine.get("/api/me", headers=auth).json()["username"] == "rita"
    # Bearer tokens need no CSRF token (a browser never sends them by itself).
    r = machine.post("/api/reports", data={"text": "   "}, headers=auth)
    assert r.status_code == 400
    with service.app.state.engine.connect() as conn:
        row = conn.execute(select(api_tokens)).one()
    assert row.token_hash != token and row.last_used is not None
    assert admin.delete(f"/api/admin/tokens/{row.id}", headers={"x-csrf-token": csrf}
                        ).status_code == 200
    assert machine.get("/api/me", headers=auth).status_code == 401
    assert machine.get("/api/me", headers={"Authorization": "Bearer lw_made_up"}
                       ).status_code == 401


def test_admin_creates_users_with_checked_passwords(service):
    admin, csrf = service.client("admin")
    h = {"x-csrf-token": csrf}
    r = admin.post("/api/admin/users", json={"username": "sam", "password": "short",
                                             "role": "analyst"}, headers=h)
    assert r.status_code == 422 and "10 characters" in r.text
    r = admin.post("/api/admin/users", json={"username": "sam", "password": "long enough 1",
                                             "role": "overlord"}, headers=h)
    assert r.status_code == 422
    r = admin.post("/api/admin/users", json={"username": "sam", "password": "long enough 1",
                                             "role": "analyst"}, headers=h)
    assert r.status_code == 201
    sam, _ = service.client()
    r = sam.post("/login", data={"username": "sam", "password": "long enough 1"},
                 follow_redirects=False)
    assert r.status_code == 303


def test_logout_ends_the_session(service):
    client, csrf = service.client("ana")
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/api/me").status_code == 401


def test_schema_is_versioned_and_migrating_twice_changes_nothing(service):
    from lurewatch.server.db import migrate

    engine = service.app.state.engine
    assert migrate(engine) == 1
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version FROM schema_version")).scalars().all()
    assert versions == [1]


def test_openapi_document_lists_the_api(service):
    client, _ = service.client()
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/reports", "/api/cases", "/api/cases/{case_id}", "/api/campaigns",
                 "/api/export", "/api/search", "/api/cases/{case_id}/notes"):
        assert path in paths
    assert "patch" in paths["/api/cases/{case_id}"]


def test_security_headers(service):
    client, _ = service.client()
    r = client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_local_mode_needs_no_login_but_keeps_csrf(db_url, tmp_path):
    svc = make_service(db_url, tmp_path / "local", local=True)
    client, _ = svc.client()
    me = client.get("/api/me").json()
    assert me["username"] == "local" and me["role"] == "admin"
    assert client.get("/queue").status_code == 200
    r = client.post("/cases/1/notes", data={"text": "x"})
    assert r.status_code == 403
    svc.app.state.engine.dispose()


def test_oversized_upload_is_refused_before_it_is_read(db_url, tmp_path):
    svc = make_service(db_url, tmp_path / "small", max_upload_bytes=1000)
    client, csrf = svc.client("rita")
    r = client.post("/api/reports", files={"file": ("big.txt", b"x" * 3_000_000)},
                    headers={"x-csrf-token": csrf})
    assert r.status_code == 413
    r = client.post("/api/reports", files={"file": ("big.txt", b"y" * 5000)},
                    headers={"x-csrf-token": csrf})
    assert r.status_code == 413 and "larger than the limit" in r.text
    leftovers = list((tmp_path / "small" / "uploads").glob("*"))
    assert leftovers == []
    svc.app.state.engine.dispose()
