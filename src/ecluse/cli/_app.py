"""The root Typer application, the global ``--data-dir`` option and error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from ecluse import __version__
from ecluse.config import default_data_dir
from ecluse.errors import EcluseError
from ecluse.installation import Installation, init_installation, open_installation

__all__ = ["app", "console", "data_dir", "err_console", "installation", "main"]


class _Group(TyperGroup):
    """Turns an :class:`EcluseError` into one line on stderr and exit code 2, no traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except EcluseError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None


app = typer.Typer(
    cls=_Group,
    name="ecluse",
    help="Ecluse: keep customers' data under the operator's control when contact centres work it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


class _State:
    data_dir: Path | None = None


def _version(value: bool) -> None:
    if value:
        console.print(f"ecluse {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="ECLUSE_DATA_DIR",
            help="Data directory (config, keys, SQLite database). "
            "Default: the platform's user data directory.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    _State.data_dir = data_dir


def data_dir() -> Path:
    return _State.data_dir or default_data_dir()


@contextmanager
def installation() -> Iterator[Installation]:
    """Open the installation named by ``--data-dir`` for one command."""
    inst = open_installation(data_dir())
    try:
        yield inst
    finally:
        inst.close()


@app.command()
def init(
    database_url: Annotated[
        str | None,
        typer.Option(help="Database URL to write in the config (default: SQLite in the data dir)."),
    ] = None,
) -> None:
    """Create the data directory, configuration, keys and database."""
    inst = init_installation(data_dir(), database_url=database_url)
    try:
        console.print(f"Initialised {inst.settings.data_dir}")
        console.print(f"  config:   {inst.settings.config_path}")
        console.print(f"  keys:     {inst.settings.keys_dir}")
        console.print(f"  database: {inst.engine.url.render_as_string(hide_password=True)}")
    finally:
        inst.close()


def main() -> None:
    """Console-script entry point."""
    app()
