"""How one lurewatch service is configured: where its data lives and its limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DB_NAME = "lurewatch.sqlite3"


@dataclass
class Settings:
    """Everything the app factory needs. `data_dir` holds the SQLite file (by default) and the
    temporary upload folders; nothing else is written."""

    data_dir: Path = field(default_factory=lambda: Path("lurewatch-data"))
    db_url: str | None = None  # None: SQLite in data_dir; else sqlite:///... or postgresql://...
    local: bool = False  # one person on 127.0.0.1: no login, everything allowed
    max_upload_bytes: int = 50_000_000
    max_paste_chars: int = 2_000_000
    session_hours: int = 12
    secure_cookies: bool = False  # set behind HTTPS so cookies are never sent in clear
    login_attempts_per_minute: int = 10
    submissions_per_minute: int = 30
    retention_check_seconds: int = 3600
    fast_password_hashing: bool = False  # test suites only: cheap argon2id parameters

    def database_url(self) -> str:
        """A SQLAlchemy URL; plain `postgresql://` uses the psycopg 3 driver."""
        url = self.db_url or f"sqlite:///{(self.data_dir / DEFAULT_DB_NAME).resolve()}"
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"


def crash_point(name: str) -> None:
    """Test hook for the nothing-lost tests: when LUREWATCH_TEST_CRASH_AT names this point the
    process dies at once, as on a kill, without unwinding or committing anything."""
    if os.environ.get("LUREWATCH_TEST_CRASH_AT") == name:
        os._exit(99)
