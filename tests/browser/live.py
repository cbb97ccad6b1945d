"""A real service on 127.0.0.1 (uvicorn in a thread) and Debian's Chromium via Playwright,
for the browser tests and the documentation screenshots."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("LUREWATCH_CHROMIUM", "/usr/bin/chromium")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "server"
PASSWORD = "correct horse battery"


def browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright==1.65.2)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_service(data_dir: Path) -> Iterator[str]:
    """Start the service with an admin, an analyst and a reporter; yields its base URL."""
    import uvicorn

    from lurewatch.server.app import create_app
    from lurewatch.server.auth import create_user
    from lurewatch.server.settings import Settings

    app = create_app(Settings(data_dir=data_dir, fast_password_hashing=True))
    with app.state.engine.begin() as conn:
        create_user(conn, "admin", PASSWORD, "admin")
        create_user(conn, "ana", PASSWORD, "analyst")
        create_user(conn, "rita", PASSWORD, "reporter", "Ministry of Energy")
        create_user(conn, "rory", PASSWORD, "reporter", "University of Tor")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_load_state()


def logout(page) -> None:
    page.click("header form button:has-text('Log out')")
    page.wait_for_url("**/login")


def submit_file(page, base: str, fixture: str) -> None:
    page.goto(f"{base}/submit")
    page.set_input_files("input[type=file]", str(FIXTURES / fixture))
    page.click("#send")
    page.wait_for_url("**/receipts/**")
