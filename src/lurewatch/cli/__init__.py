"""The `lurewatch` command: thin shells over the pipeline, one module per command."""

from __future__ import annotations

import importlib

import typer

from lurewatch import __version__
from lurewatch.threads import prefer_one_blas_thread

app = typer.Typer(
    name="lurewatch",
    help="Find covert recruitment approaches in your own message exports, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lurewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Covert recruitment approaches in LinkedIn, WhatsApp, Telegram, WeChat and e-mail."""


# One module per command; importing a module registers its command on `app`.
COMMAND_MODULES: tuple[str, ...] = (
    "scan", "formats", "profile", "campaigns", "export", "eval", "serve", "train", "batch",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"lurewatch.cli.{name}")


def main() -> None:
    prefer_one_blas_thread()  # before any command imports numpy
    _register()
    app()
