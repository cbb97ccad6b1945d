from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli import _register, app

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def cli() -> CliRunner:
    _register()
    return CliRunner()


def run(cli: CliRunner, *args: str, input: str | None = None):
    return cli.invoke(app, list(args), input=input, catch_exceptions=False)


def load(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))
