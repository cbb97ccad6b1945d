"""Server-rendered pages (Jinja2, autoescaped; no external assets, no build step).

Reporter: submit, receipt with the verdict and what to do next, own reports.
Analyst: triage queue, case page, campaigns, search, exports. Admin: users, tokens, retention.
Every form carries the session's CSRF token; changes answer with a redirect (POST-redirect-
GET) so a reload never submits twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select, update

from lurewatch.server import audit, cases
from lurewatch.server.auth import (
    ROLES,
    SESSION_COOKIE,
    Principal,
    authenticate,
    check_csrf,
    create_api_token,
    create_user,
    current_user,
    end_session,
    identify,
    require_role,
    start_session,
)
from lurewatch.server.db import api_tokens, audit_log, loads, reports, users
from lurewatch.server.intake import IntakeError, clean_profile
from lurewatch.server.retention import apply_retention, retention_days, set_retention_days
from lurewatch.server.routes_api import (
    case_filter,
    export_response,
    limit_submissions,
    maybe_apply_retention,
)
from lurewatch.server.search import search
from lurewatch.server.store import Conflict
from lurewatch.server.views import choices, conversation_view, stage_title

router = APIRouter(include_in_schema=False)
User = Annotated[Principal, Depends(current_user)]
STATIC = Path(__file__).with_name("templates") / "static"
NOTICES = {
    "saved": "Saved.", "note": "Note added.", "conflict": "Someone else changed this case "
    "while you were looking at it. Nothing was saved: here is the case as it is now; apply "
    "your change again if it still makes sense.", "user": "User created.",
    "retention": "Retention setting saved and applied.", "revoked": "Token revoked.",
}


def page(request: Request, name: str, who: Principal | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return request.app.state.templates.TemplateResponse(
        request, name, {"who": who, "notice": notice, "local": request.app.state.settings.local,
                        "stage_title": stage_title, **choices(), **context},
        status_code=status)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


# -- static ------------------------------------------------------------------------------


@router.get("/static/{name}")
def static(name: str) -> Response:
    media = {"app.js": "text/javascript", "style.css": "text/css"}.get(name)
    if media is None:
        raise HTTPException(404)
    return Response((STATIC / name).read_text(encoding="utf-8"), media_type=media,
                    headers={"Cache-Control": "max-age=3600"})


# -- login -------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    if request.app.state.settings.local:
        return back("/")
    return page(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()],
          next: Annotated[str, Form()] = "/") -> Response:
    client = request.client.host if request.client else "unknown"
    if not request.app.state.login_limiter.allow(f"ip:{client}"):
        return page(request, "login.html", None, status=429, next=_safe_next(next),
                    error="Too many attempts. Wait a minute and try again.")
    engine = request.app.state.engine
    with engine.begin() as conn:
        user_id = authenticate(conn, username, password)
        if user_id is None:
            audit.record(conn, None, "login.failed", None, {"username": username[:64]})
            token = None
        else:
            token = start_session(conn, user_id, request.app.state.settings.session_hours)
            conn.execute(audit_log.insert().values(
                ts=_now(), user_id=user_id, username=username, action="login", case_id=None,
                detail=None))
    if token is None:
        return page(request, "login.html", None, status=401, next=_safe_next(next),
                    error="Wrong username or password.")
    response = back(_safe_next(next))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.app.state.settings.secure_cookies,
                        max_age=request.app.state.settings.session_hours * 3600, path="/")
    return response


def _now() -> str:
    from lurewatch.server.db import now_iso

    return now_iso()


@router.post("/logout")
def logout(request: Request, who: User, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with request.app.state.engine.begin() as conn:
            end_session(conn, cookie)
    response = back("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(request: Request) -> Response:
    who = identify(request)
    if who is None:
        return back("/login")
    return back("/queue" if who.can("analyst") else "/submit")


# -- reporter ----------------------------------------------------------------------------


@router.get("/submit", response_class=HTMLResponse)
def submit_form(request: Request, who: User) -> Response:
    return page(request, "submit.html", who, error=None, form={})


@router.post("/submit", response_class=HTMLResponse)
def submit(
    request: Request, who: User,
    csrf: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form()] = "",
    profile_name: Annotated[str, Form()] = "", profile_headline: Annotated[str, Form()] = "",
    profile_company: Annotated[str, Form()] = "", profile_url: Annotated[str, Form()] = "",
    profile_connections: Annotated[str, Form()] = "", organisation: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(who, csrf)
    form = {"text": text, "profile_name": profile_name, "profile_headline": profile_headline,
            "profile_company": profile_company, "profile_url": profile_url,
            "profile_connections": profile_connections, "organisation": organisation}
    try:
        limit_submissions(request, who)
        maybe_apply_retention(request)
        profile = clean_profile({"name": profile_name, "headline": profile_headline,
                                 "company": profile_company, "profile_url": profile_url,
                                 "connections": profile_connections})
        intake = request.app.state.intake
        org = organisation.strip()[:120] or None
        if file is not None and file.filename:
            receipt = intake.submit_file(who, file.file, file.filename, profile, org)
        elif text.strip():
            receipt = intake.submit_paste(who, text, profile, org)
        else:
            raise IntakeError("Choose a file or paste the conversation.")
    except (IntakeError, HTTPException) as exc:
        message = str(exc) if isinstance(exc, IntakeError) else str(exc.detail)
        code = exc.status if isinstance(exc, IntakeError) else exc.status_code
        return page(request, "submit.html", who, status=code, error=message, form=form)
    suffix = "?duplicate=1" if receipt.duplicate else ""
    return back(f"/receipts/{receipt.report_id}{suffix}")


@router.get("/receipts/{report_id}", response_class=HTMLResponse)
def receipt_page(request: Request, report_id: int, who: User, duplicate: int = 0) -> Response:
    with request.app.state.engine.connect() as conn:
        row = conn.execute(select(reports.c.submitter_id).where(reports.c.id == report_id)
                           ).first()
    if row is None or (row.submitter_id != who.id and not who.can("analyst")):
        raise HTTPException(404, "no such report")
    receipt = request.app.state.intake.receipt(report_id)
    with request.app.state.engine.begin() as conn:
        for c in receipt.cases:
            audit.record(conn, who, "case.read", c["id"], {"via": "receipt"})
    from lurewatch.server.views import advice

    levels = [c["level"] for c in receipt.cases]
    worst = next((lv for lv in ("high", "medium", "low") if lv in levels), "low")
    return page(request, "receipt.html", who, receipt=receipt, duplicate=bool(duplicate),
                advice=advice(), worst=worst)


@router.get("/my", response_class=HTMLResponse)
def my_reports(request: Request, who: User) -> Response:
    with request.app.state.engine.connect() as conn:
        rows = conn.execute(select(reports).where(reports.c.submitter_id == who.id)
                            .order_by(reports.c.id.desc()).limit(200)).all()
    intake = request.app.state.intake
    return page(request, "my.html", who, receipts=[intake.receipt(r.id) for r in rows],
                rows=rows)


# -- analyst -----------------------------------------------------------------------------


Filter = Annotated[cases.CaseFilter, Depends(case_filter)]


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request, who: User, f: Filter) -> Response:
    error = None
    with request.app.state.engine.begin() as conn:
        try:
            found = cases.list_cases(conn, who, f)
        except ValueError as exc:
            found, error = [], str(exc)
        orgs = cases.organisations(conn) if who.can("analyst") else []
    query = urlencode({k: v for k, v in vars(f).items() if v})
    return page(request, "queue.html", who, cases=found, f=f, orgs=orgs, error=error,
                query=query)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, who: User) -> Response:
    with request.app.state.engine.begin() as conn:
        case = cases.read_case(conn, who, case_id)
    if case is None:
        raise HTTPException(404, "no such case")
    history = []
    if who.can("analyst"):
        with request.app.state.engine.connect() as conn:
            history = conn.execute(select(audit_log).where(audit_log.c.case_id == case_id)
                                   .where(audit_log.c.action != "case.read")
                                   .order_by(audit_log.c.id.desc()).limit(50)).all()
    return page(request, "case.html", who, case=case, view=conversation_view(case["entry"]),
                history=history, loads=loads)


@router.post("/cases/{case_id}/triage")
def triage(request: Request, case_id: int, who: User, version: Annotated[int, Form()],
           csrf: Annotated[str, Form()] = "", status: Annotated[str, Form()] = "",
           labels: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    require_role(who, "analyst")
    label_list = [part for part in labels.split(",")]
    try:
        with request.app.state.engine.begin() as conn:
            cases.update_case(conn, who, case_id, version, status or None, label_list)
    except Conflict:
        return back(f"/cases/{case_id}?notice=conflict")
    except LookupError:
        raise HTTPException(404, "no such case") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return back(f"/cases/{case_id}?notice=saved")


@router.post("/cases/{case_id}/notes")
def note(request: Request, case_id: int, who: User, text: Annotated[str, Form()],
         csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    require_role(who, "analyst")
    try:
        with request.app.state.engine.begin() as conn:
            cases.add_note(conn, who, case_id, text)
    except LookupError:
        raise HTTPException(404, "no such case") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return back(f"/cases/{case_id}?notice=note#notes")


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, who: User) -> Response:
    require_role(who, "analyst")
    with request.app.state.engine.connect() as conn:
        found = cases.list_campaigns(conn, who)
    return page(request, "campaigns.html", who, campaigns=found)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_id: int, who: User) -> Response:
    require_role(who, "analyst")
    with request.app.state.engine.begin() as conn:
        found = cases.read_campaign(conn, who, campaign_id)
    if found is None:
        raise HTTPException(404, "no such campaign")
    return page(request, "campaign.html", who, c=found, campaign_id=campaign_id)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, who: User, q: str = "") -> Response:
    with request.app.state.engine.connect() as conn:
        hits = search(conn, who, q) if q.strip() else []
    return page(request, "search.html", who, q=q, hits=hits)


@router.get("/export")
def export_page(request: Request, who: User, f: Filter, format: str,
                case: Annotated[list[int] | None, Query()] = None,
                campaign: int | None = None, min_level: str = "low") -> Response:
    return export_response(request, who, f, format, case, campaign, min_level, True)


# -- admin -------------------------------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, who: User, token: str | None = None) -> Response:
    require_role(who, "admin")
    with request.app.state.engine.connect() as conn:
        people = conn.execute(select(users).order_by(users.c.id)).all()
        tokens = conn.execute(select(api_tokens, users.c.username)
                              .join(users, users.c.id == api_tokens.c.user_id)
                              .order_by(api_tokens.c.id)).all()
        days = retention_days(conn)
        log = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(50)).all()
    return page(request, "admin.html", who, people=people, tokens=tokens, days=days, log=log,
                roles=ROLES, new_token=request.app.state.__dict__.get("_shown_token", {})
                .pop(token, None) if token else None)


@router.post("/admin/users")
def admin_user(request: Request, who: User, username: Annotated[str, Form()],
               password: Annotated[str, Form()], role: Annotated[str, Form()],
               organisation: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
               ) -> Response:
    check_csrf(who, csrf)
    require_role(who, "admin")
    try:
        with request.app.state.engine.begin() as conn:
            create_user(conn, username, password, role, organisation)
            audit.record(conn, who, "user.create", None, {"user": username, "role": role})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return back("/admin?notice=user")


@router.post("/admin/tokens")
def admin_token(request: Request, who: User, name: Annotated[str, Form()],
                user_id: Annotated[int, Form()], csrf: Annotated[str, Form()] = "") -> Response:
    import secrets

    check_csrf(who, csrf)
    require_role(who, "admin")
    with request.app.state.engine.begin() as conn:
        token = create_api_token(conn, user_id, name)
        audit.record(conn, who, "token.create", None, {"user": user_id, "name": name})
    # Shown once, on the next page, and never put in a URL.
    handle = secrets.token_urlsafe(12)
    request.app.state.__dict__.setdefault("_shown_token", {})[handle] = token
    return back(f"/admin?token={handle}")


@router.post("/admin/tokens/{token_id}/revoke")
def admin_revoke(request: Request, token_id: int, who: User,
                 csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    require_role(who, "admin")
    with request.app.state.engine.begin() as conn:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked=1))
        audit.record(conn, who, "token.revoke", None, {"token": token_id})
    return back("/admin?notice=revoked")


@router.post("/admin/retention")
def admin_retention(request: Request, who: User, days: Annotated[str, Form()] = "",
                    csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(who, csrf)
    require_role(who, "admin")
    value = int(days) if days.strip().isdigit() else None
    try:
        with request.app.state.engine.begin() as conn:
            set_retention_days(conn, value)
            audit.record(conn, who, "retention.set", None, {"days": value})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    apply_retention(request.app.state.engine)
    return back("/admin?notice=retention")
