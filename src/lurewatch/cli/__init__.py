"""The `lurewatch` command: thin shells over the pipeline, one module per command."""

from __future__ import annotations

import typer

from lurewatch import __version__

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


def _register() -> None:
    # Importing a command module registers its command on `app`.
    from lurewatch.cli import formats, scan  # noqa: F401


def main() -> None:
    _register()
    app()
