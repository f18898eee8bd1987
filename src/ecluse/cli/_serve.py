"""``ecluse serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from ecluse.cli._app import app, data_dir

__all__ = ["serve_command"]


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each opens the installation).")
    ] = 1,
    insecure_cookie: Annotated[
        bool,
        typer.Option(
            "--insecure-cookie",
            help="Send the session cookie without 'Secure' (local http demo only).",
        ),
    ] = False,
) -> None:
    """Serve the JSON API (under /api/v1, OpenAPI at /api/v1/openapi.json) until Ctrl-C."""
    from ecluse.api import serve

    serve(data_dir(), host, port, workers, secure_cookie=False if insecure_cookie else None)
