"""Users, roles, sessions, CSRF and API tokens.

- Passwords: argon2id (argon2-cffi's defaults, RFC 9106's recommended profile).
- Sessions: a random token in an HttpOnly, SameSite=Lax cookie; only its SHA-256 is stored,
  so a stolen database holds no usable session. Each session has its own CSRF token, which
  every form and every cookie-authenticated API change must echo back.
- API tokens for machine clients: `Authorization: Bearer lw_...`; stored as SHA-256; no CSRF
  (a browser never sends them by itself).
- Roles: reporter (submits, sees own reports), analyst (sees and triages all), admin (also
  manages users, tokens and retention).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from lurewatch.server.db import api_tokens, iso, now_iso, sessions, users

ROLES: tuple[str, ...] = ("reporter", "analyst", "admin")
SESSION_COOKIE = "lw_session"
LOCAL_USERNAME = "local"
_hasher = PasswordHasher()  # argon2id, RFC 9106 profile: t=3, 64 MiB, p=4
_dummy: dict[str, str] = {}


def use_fast_hashing() -> None:
    """Cheap argon2id parameters, for test suites only: real deployments keep the default."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    _dummy.clear()


def _dummy_hash() -> str:
    # Verified when the user does not exist, so a login takes as long either way.
    if "hash" not in _dummy:
        _dummy["hash"] = _hasher.hash("not a password")
    return _dummy["hash"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request, and how they proved it."""

    id: int
    username: str
    role: str
    organisation: str | None
    via: str  # "session", "token" or "local"
    csrf: str | None = None

    def can(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class LoginRequired(Exception):
    """Raised by the dependencies; pages answer with a redirect, the API with 401."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")


def create_user(conn: Connection, username: str, password: str, role: str,
                organisation: str | None = None) -> int:
    username = username.strip()
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise ValueError("a username needs 1 to 64 characters")
    check_password_strength(password)
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise ValueError(f"user '{username}' already exists")
    result = conn.execute(insert(users).values(
        username=username, password_hash=hash_password(password), role=role,
        organisation=(organisation or None), disabled=0, created_at=now_iso(),
    ).returning(users.c.id))
    return int(result.scalar_one())


def authenticate(conn: Connection, username: str, password: str) -> int | None:
    row = conn.execute(select(users.c.id, users.c.password_hash, users.c.disabled)
                       .where(users.c.username == username.strip())).first()
    try:
        if row is None:
            _hasher.verify(_dummy_hash(), password + "x")
            return None
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if row.disabled:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(users).where(users.c.id == row.id)
                     .values(password_hash=hash_password(password)))
    return int(row.id)


def start_session(conn: Connection, user_id: int, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    conn.execute(insert(sessions).values(
        token_hash=token_hash(token), user_id=user_id, csrf=secrets.token_urlsafe(24),
        created_at=iso(now), expires_at=iso(now + timedelta(hours=hours))))
    return token


def end_session(conn: Connection, token: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))


def create_api_token(conn: Connection, user_id: int, name: str) -> str:
    token = "lw_" + secrets.token_urlsafe(32)
    conn.execute(insert(api_tokens).values(
        user_id=user_id, name=name.strip()[:80] or "token", token_hash=token_hash(token),
        created_at=now_iso(), revoked=0))
    return token


def ensure_local_user(engine: Engine) -> int:
    """The single user of `serve --local`: an admin with no usable password."""
    with engine.begin() as conn:
        row = conn.execute(select(users.c.id).where(users.c.username == LOCAL_USERNAME)).first()
        if row:
            return int(row.id)
        result = conn.execute(insert(users).values(
            username=LOCAL_USERNAME, password_hash="!local", role="admin", organisation=None,
            disabled=0, created_at=now_iso()).returning(users.c.id))
        return int(result.scalar_one())


def _principal_from_row(row: object, via: str, csrf: str | None) -> Principal:
    return Principal(id=int(row.id), username=row.username, role=row.role,  # type: ignore[attr-defined]
                     organisation=row.organisation, via=via, csrf=csrf)  # type: ignore[attr-defined]


def identify(request: Request) -> Principal | None:
    """The principal behind a request, or None."""
    state = request.app.state
    if state.settings.local:
        return Principal(state.local_user_id, LOCAL_USERNAME, "admin", None, "local",
                         state.local_csrf)
    cols = (users.c.id, users.c.username, users.c.role, users.c.organisation)
    header = request.headers.get("authorization", "")
    with state.engine.begin() as conn:
        if header.lower().startswith("bearer "):
            digest = token_hash(header[7:].strip())
            row = conn.execute(select(*cols, api_tokens.c.id.label("token_id"))
                               .join(api_tokens, api_tokens.c.user_id == users.c.id)
                               .where(api_tokens.c.token_hash == digest,
                                      api_tokens.c.revoked == 0, users.c.disabled == 0)).first()
            if row is None:
                return None
            conn.execute(update(api_tokens).where(api_tokens.c.id == row.token_id)
                         .values(last_used=now_iso()))
            return _principal_from_row(row, "token", None)
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        row = conn.execute(select(*cols, sessions.c.csrf, sessions.c.expires_at)
                           .join(sessions, sessions.c.user_id == users.c.id)
                           .where(sessions.c.token_hash == token_hash(cookie),
                                  users.c.disabled == 0)).first()
        if row is None or row.expires_at < now_iso():
            return None
        return _principal_from_row(row, "session", row.csrf)


def current_user(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None) or identify(request)
    if principal is None:
        raise LoginRequired()
    request.state.principal = principal
    return principal


def require_role(principal: Principal, role: str) -> None:
    if not principal.can(role):
        raise HTTPException(403, f"this needs the {role} role")


def check_csrf(principal: Principal, supplied: str | None) -> None:
    """Browser-borne credentials (a cookie, or local mode) must carry the CSRF token."""
    if principal.via == "token":
        return
    if not supplied or not principal.csrf or not hmac.compare_digest(supplied, principal.csrf):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")
