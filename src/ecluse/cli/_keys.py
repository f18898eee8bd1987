"""``ecluse keys``: key rotation."""

from __future__ import annotations

import typer

from ecluse.cli._app import app, console, installation
from ecluse.vault import rotate_kek

keys_app = typer.Typer(help="Manage key-encryption keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def rotate() -> None:
    """Re-wrap every customer's data key under a new KEK, then retire the old KEK files.

    Data is not re-encrypted: only the small wrapped data keys change.
    """
    with installation() as inst:
        report = rotate_kek(inst)
    console.print(
        f"New KEK {report.new_kek}: re-wrapped {report.rewrapped} data keys; "
        f"retired {', '.join(report.retired) or 'none'}"
    )
