"""`lurewatch serve`: the team service (report intake, triage, campaigns) in the browser.

SQLite in the data folder by default; `--db postgresql://...` for a team. `--local` is the
one-person mode: 127.0.0.1 only, no login.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer

from lurewatch.cli import app
from lurewatch.cli.common import fail_usage


@app.command()
def serve(
    db: str | None = typer.Option(None, "--db", help="Database URL: sqlite:///path or "
                                  "postgresql://user@host/db (default: SQLite in --data)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    data: Path = typer.Option(Path("lurewatch-data"), "--data", help="Folder for the SQLite "
                              "file and temporary uploads."),
    local: bool = typer.Option(False, "--local", help="One person, no login: listens on "
                               "127.0.0.1 only."),
    max_upload_mb: int = typer.Option(50, "--max-upload-mb", help="Largest upload accepted."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark cookies Secure "
                                        "(set when served over HTTPS)."),
    add_user: str | None = typer.Option(None, "--add-user", help="NAME:ROLE — add a user "
                                        "(password from LUREWATCH_PASSWORD or a prompt) and "
                                        "exit."),
) -> None:
    """Run the team service: report intake, triage and campaign views."""
    import uvicorn
    from sqlalchemy import func, select

    from lurewatch.server.app import create_app
    from lurewatch.server.auth import ROLES, create_user
    from lurewatch.server.db import make_engine, migrate, users
    from lurewatch.server.settings import Settings

    if local and host not in ("127.0.0.1", "localhost"):
        raise fail_usage("--local listens on 127.0.0.1 only; leave out --host")
    settings = Settings(data_dir=data, db_url=db, local=local,
                        max_upload_bytes=max_upload_mb * 1_000_000,
                        secure_cookies=secure_cookies)
    try:
        engine = make_engine(settings.database_url())
        migrate(engine)
    except Exception as exc:
        raise fail_usage(f"cannot open the database: {exc}") from None

    if add_user is not None:
        name, _, role = add_user.partition(":")
        if role not in ROLES:
            raise fail_usage(f"--add-user NAME:ROLE, ROLE one of {', '.join(ROLES)}")
        password = os.environ.get("LUREWATCH_PASSWORD") or typer.prompt(
            f"password for {name}", hide_input=True, confirmation_prompt=True)
        try:
            with engine.begin() as conn:
                create_user(conn, name, password, role)
        except ValueError as exc:
            raise fail_usage(str(exc)) from None
        typer.echo(f"added {role} {name}")
        return

    if not local:
        with engine.begin() as conn:
            if not conn.execute(select(func.count()).select_from(users)).scalar_one():
                password = os.environ.get("LUREWATCH_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
                create_user(conn, "admin", password, "admin")
                shown = "(from LUREWATCH_ADMIN_PASSWORD)" if os.environ.get(
                    "LUREWATCH_ADMIN_PASSWORD") else password
                typer.echo(f"first start: created user 'admin' with password {shown}; "
                           "change it by adding your own admin and using that")
    engine.dispose()
    bind = "127.0.0.1" if local else host
    typer.echo(f"lurewatch service on http://{bind}:{port}/" + (" (local mode)" if local else ""))
    uvicorn.run(create_app(settings), host=bind, port=port, log_level="warning")
