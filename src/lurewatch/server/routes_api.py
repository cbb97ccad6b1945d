"""The REST API under /api (OpenAPI document at /api/openapi.json). Machine clients send
`Authorization: Bearer <token>`; a browser session may call it too, with `X-CSRF-Token`."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from lurewatch.server import audit, cases
from lurewatch.server.auth import (
    ROLES,
    Principal,
    check_csrf,
    create_api_token,
    create_user,
    current_user,
    require_role,
)
from lurewatch.server.db import api_tokens, audit_log, loads, users
from lurewatch.server.export import render_export
from lurewatch.server.intake import Intake, IntakeError, Receipt, clean_profile
from lurewatch.server.retention import apply_retention, retention_days, set_retention_days
from lurewatch.server.search import search
from lurewatch.server.store import Conflict

router = APIRouter(prefix="/api", tags=["api"])
User = Annotated[Principal, Depends(current_user)]


def csrf(request: Request, who: User) -> Principal:
    check_csrf(who, request.headers.get("x-csrf-token"))
    return who


Changer = Annotated[Principal, Depends(csrf)]


def _intake(request: Request) -> Intake:
    return request.app.state.intake


def limit_submissions(request: Request, who: Principal) -> None:
    if not request.app.state.submit_limiter.allow(f"user:{who.id}"):
        raise HTTPException(429, "too many reports in a minute; wait a little")


def maybe_apply_retention(request: Request) -> None:
    state = request.app.state
    if time.monotonic() - state.retention_checked > state.settings.retention_check_seconds:
        state.retention_checked = time.monotonic()
        apply_retention(state.engine)


def _receipt_response(receipt: Receipt) -> JSONResponse:
    return JSONResponse(receipt.to_json(), status_code=200 if receipt.duplicate else 201)


class ReceiptOut(BaseModel):
    report_id: int
    created_at: str
    duplicate: bool = Field(description="the same material was already submitted")
    cases: list[dict[str, Any]]
    warnings: list[str]


@router.get("/me")
def me(who: User) -> dict[str, Any]:
    return {"id": who.id, "username": who.username, "role": who.role,
            "organisation": who.organisation, "csrf": who.csrf}


@router.post("/reports", status_code=201, response_model=ReceiptOut,
             responses={200: {"description": "already submitted: the first receipt"}})
def submit_report(
    request: Request, who: Changer,
    file: Annotated[UploadFile | None, File(description="an export, zip, .eml, .txt ...")] = None,
    text: Annotated[str | None, Form(description="a pasted conversation or message")] = None,
    profile_name: Annotated[str | None, Form()] = None,
    profile_headline: Annotated[str | None, Form()] = None,
    profile_company: Annotated[str | None, Form()] = None,
    profile_location: Annotated[str | None, Form()] = None,
    profile_url: Annotated[str | None, Form()] = None,
    profile_connections: Annotated[str | None, Form()] = None,
    organisation: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    """Submit a report: a file in any format `scan` reads, or pasted text, with optional
    details of the sender's profile. Acknowledged only once committed."""
    limit_submissions(request, who)
    maybe_apply_retention(request)
    profile = clean_profile({"name": profile_name, "headline": profile_headline,
                             "company": profile_company, "location": profile_location,
                             "profile_url": profile_url, "connections": profile_connections})
    intake = _intake(request)
    org = (organisation or "").strip()[:120] or None
    if file is not None and file.filename:
        receipt = intake.submit_file(who, file.file, file.filename, profile, org)
    elif text and text.strip():
        receipt = intake.submit_paste(who, text, profile, org)
    else:
        raise IntakeError("send a file or paste some text")
    return _receipt_response(receipt)


@router.post("/reports/raw", status_code=201, response_model=ReceiptOut,
             openapi_extra={"requestBody": {"content": {"message/rfc822": {},
                                                        "application/octet-stream": {}}}})
async def submit_raw(request: Request, who: Changer,
                     filename: Annotated[str, Query(description="e.g. forwarded.eml")]
                     ) -> JSONResponse:
    """Submit one file as the request body (a forwarded `.eml` from a mail rule, say). The
    body streams to disk under the size limit."""
    from starlette.concurrency import run_in_threadpool

    limit_submissions(request, who)
    intake = _intake(request)
    workdir = intake.new_workdir()
    try:
        spool = workdir / "body"
        size = 0
        with spool.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > request.app.state.settings.max_upload_bytes:
                    raise IntakeError("the body is larger than the upload limit", 413)
                out.write(chunk)
        with spool.open("rb") as body:
            receipt = await run_in_threadpool(intake.submit_file, who, body, filename, {}, None)
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    return _receipt_response(receipt)


@router.get("/reports/{report_id}", response_model=ReceiptOut)
def get_report(request: Request, report_id: int, who: User) -> dict[str, Any]:
    from lurewatch.server.db import reports

    with request.app.state.engine.connect() as conn:
        owner = conn.execute(select(reports.c.submitter_id).where(reports.c.id == report_id)
                             ).first()
    if owner is None or (owner.submitter_id != who.id and not who.can("analyst")):
        raise HTTPException(404, "no such report")
    receipt = _intake(request).receipt(report_id)
    assert receipt is not None
    with request.app.state.engine.begin() as conn:
        for c in receipt.cases:
            audit.record(conn, who, "case.read", c["id"], {"via": "receipt"})
    return receipt.to_json()


def case_filter(
    level: str | None = None, stage: str | None = None, platform: str | None = None,
    status: str | None = None, date_from: str | None = None, date_to: str | None = None,
    organisation: str | None = None, label: str | None = None, q: str | None = None,
) -> cases.CaseFilter:
    return cases.CaseFilter(level or None, stage or None, platform or None, status or None,
                            date_from or None, date_to or None, organisation or None,
                            label or None, q or None)


Filter = Annotated[cases.CaseFilter, Depends(case_filter)]


@router.get("/cases")
def list_cases(request: Request, who: User, f: Filter, limit: int = Query(200, le=1000),
               offset: int = 0) -> list[dict[str, Any]]:
    """Cases, highest risk first; reporters see only their own."""
    try:
        with request.app.state.engine.begin() as conn:
            return cases.list_cases(conn, who, f, limit, offset)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/cases/{case_id}")
def get_case(request: Request, case_id: int, who: User) -> dict[str, Any]:
    """A case with its scan entry: stages, evidence, indicators, messages, verdict."""
    with request.app.state.engine.begin() as conn:
        case = cases.read_case(conn, who, case_id)
    if case is None:
        raise HTTPException(404, "no such case")
    return case


class CaseChange(BaseModel):
    version: int | None = Field(None, description="the version you read (or send If-Match)")
    status: str | None = None
    labels: list[str] | None = None


@router.patch("/cases/{case_id}", responses={409: {"description": "changed meanwhile"}})
def change_case(request: Request, case_id: int, change: CaseChange, who: Changer
                ) -> dict[str, Any]:
    """Change status and/or labels. Send the version you read: if someone changed the case
    since, the answer is 409 and nothing is changed."""
    require_role(who, "analyst")
    version = change.version
    if version is None:
        header = request.headers.get("if-match", "").strip('"W/ ')
        version = int(header) if header.isdigit() else None
    if version is None:
        raise HTTPException(428, "send the version you read (field 'version' or If-Match)")
    try:
        with request.app.state.engine.begin() as conn:
            return cases.update_case(conn, who, case_id, version, change.status, change.labels)
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    except LookupError:
        raise HTTPException(404, "no such case") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


class NoteIn(BaseModel):
    text: str


@router.post("/cases/{case_id}/notes", status_code=201)
def add_note(request: Request, case_id: int, note: NoteIn, who: Changer) -> dict[str, Any]:
    require_role(who, "analyst")
    try:
        with request.app.state.engine.begin() as conn:
            return {"id": cases.add_note(conn, who, case_id, note.text)}
    except LookupError:
        raise HTTPException(404, "no such case") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/campaigns")
def list_campaigns(request: Request, who: User) -> list[dict[str, Any]]:
    require_role(who, "analyst")
    with request.app.state.engine.connect() as conn:
        return cases.list_campaigns(conn, who)


@router.get("/campaigns/{campaign_id}")
def get_campaign(request: Request, campaign_id: int, who: User) -> dict[str, Any]:
    require_role(who, "analyst")
    with request.app.state.engine.begin() as conn:
        found = cases.read_campaign(conn, who, campaign_id)
    if found is None:
        raise HTTPException(404, "no such campaign")
    return found


@router.get("/search")
def search_messages(request: Request, who: User, q: str = Query(..., min_length=1)
                    ) -> list[dict[str, Any]]:
    """Messages containing the words (any language; Chinese included)."""
    with request.app.state.engine.connect() as conn:
        return search(conn, who, q)


@router.get("/export")
def export(request: Request, who: User, f: Filter,
           format: str = Query(..., pattern="^(stix|misp|csv)$"),
           case: Annotated[list[int] | None, Query()] = None,
           campaign: int | None = None, min_level: str = "low",
           redact: bool = True) -> Response:
    """STIX 2.1, MISP or CSV for the given cases, a campaign's cases, or the filter."""
    return export_response(request, who, f, format, case, campaign, min_level, redact)


def export_response(request: Request, who: Principal, f: cases.CaseFilter, fmt: str,
                    case_ids: list[int] | None, campaign: int | None, min_level: str,
                    redact: bool) -> Response:
    require_role(who, "analyst")
    if not redact:
        require_role(who, "admin")
    with request.app.state.engine.begin() as conn:
        if case_ids:
            ids = case_ids
        elif campaign is not None:
            ids = cases.campaign_case_ids(conn, campaign)
        else:
            try:
                ids = cases.case_filter_ids(conn, who, f)
            except ValueError as exc:
                raise HTTPException(422, str(exc)) from None
        report = cases.selection_report(conn, who, ids)
    try:
        body, media, ext = render_export(report, fmt, min_level, redact)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    name = f"lurewatch-{fmt}.{ext}" if fmt != "stix" else "lurewatch-stix.json"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# -- admin --------------------------------------------------------------------------------


class UserIn(BaseModel):
    username: str
    password: str
    role: str = Field(..., description=" / ".join(ROLES))
    organisation: str | None = None


@router.get("/admin/users")
def admin_users(request: Request, who: User) -> list[dict[str, Any]]:
    require_role(who, "admin")
    with request.app.state.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(users.c.id, users.c.username, users.c.role, users.c.organisation,
                   users.c.disabled, users.c.created_at).order_by(users.c.id))]


@router.post("/admin/users", status_code=201)
def admin_create_user(request: Request, body: UserIn, who: Changer) -> dict[str, Any]:
    require_role(who, "admin")
    try:
        with request.app.state.engine.begin() as conn:
            user_id = create_user(conn, body.username, body.password, body.role,
                                  body.organisation)
            audit.record(conn, who, "user.create", None, {"user": body.username,
                                                          "role": body.role})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"id": user_id}


class TokenIn(BaseModel):
    name: str
    user_id: int | None = Field(None, description="default: yourself")


@router.post("/admin/tokens", status_code=201)
def admin_create_token(request: Request, body: TokenIn, who: Changer) -> dict[str, Any]:
    """A new API token; shown once, stored only as a hash."""
    require_role(who, "admin")
    with request.app.state.engine.begin() as conn:
        target = body.user_id or who.id
        if conn.execute(select(users.c.id).where(users.c.id == target)).first() is None:
            raise HTTPException(404, "no such user")
        token = create_api_token(conn, target, body.name)
        audit.record(conn, who, "token.create", None, {"user": target, "name": body.name})
    return {"token": token}


@router.delete("/admin/tokens/{token_id}")
def admin_revoke_token(request: Request, token_id: int, who: Changer) -> dict[str, Any]:
    require_role(who, "admin")
    with request.app.state.engine.begin() as conn:
        done = conn.execute(update(api_tokens).where(api_tokens.c.id == token_id)
                            .values(revoked=1)).rowcount
        audit.record(conn, who, "token.revoke", None, {"token": token_id})
    if not done:
        raise HTTPException(404, "no such token")
    return {"revoked": token_id}


class RetentionIn(BaseModel):
    days: int | None = Field(None, description="delete message text older than this; "
                                               "null keeps everything")


@router.get("/admin/retention")
def get_retention(request: Request, who: User) -> dict[str, Any]:
    require_role(who, "admin")
    with request.app.state.engine.connect() as conn:
        return {"days": retention_days(conn)}


@router.put("/admin/retention")
def put_retention(request: Request, body: RetentionIn, who: Changer) -> dict[str, Any]:
    require_role(who, "admin")
    try:
        with request.app.state.engine.begin() as conn:
            set_retention_days(conn, body.days)
            audit.record(conn, who, "retention.set", None, {"days": body.days})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    purged = apply_retention(request.app.state.engine)
    return {"days": body.days, "cases_purged": purged}


@router.get("/audit")
def get_audit(request: Request, who: User, case: int | None = None,
              limit: int = Query(200, le=1000)) -> list[dict[str, Any]]:
    require_role(who, "admin")
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if case is not None:
        q = q.where(audit_log.c.case_id == case)
    with request.app.state.engine.connect() as conn:
        return [{**dict(r._mapping), "detail": loads(r.detail)} for r in conn.execute(q)]
