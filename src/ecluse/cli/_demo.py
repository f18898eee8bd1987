"""``ecluse demo``: a synthetic Belgian operator, ready to explore."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

from ecluse.cli._app import app, console, data_dir
from ecluse.errors import ConfigError
from ecluse.installation import init_installation


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed: the same seed builds the same operator.")] = 42,
    customers: Annotated[
        int, typer.Option(help="How many customers the CRM extract has.")
    ] = 20_000,
    cases: Annotated[int, typer.Option(help="How many open cases to seed.")] = 80,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the console after seeding.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Build a synthetic Belgian operator in a fresh data directory, then serve it.

    Customers (French- and Dutch-speaking, with a realistic share of dirty rows), the
    operator's staff, two contact-centre vendors (Casablanca and Antwerp) with agents, and open
    cases. The demo logins are printed at the end.
    """
    from ecluse.demo import seed_demo

    target = data_dir()
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"{target}: not empty; the demo needs a fresh data directory")
    inst = init_installation(target)
    # Links in customer notices (contest a usage decision) point at this demo's portal.
    with inst.settings.config_path.open("a", encoding="utf-8") as config:
        config.write(f'\n[portal]\nbase_url = "http://{host}:{port}/portal"\n')
    try:
        with Progress(
            TextColumn("[bold]importing the CRM extract[/]"),
            BarColumn(),
            DownloadColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=None)
            report = seed_demo(
                inst,
                seed=seed,
                customers=customers,
                cases=cases,
                progress=lambda done, _rows: bar.update(task, completed=done),
            )
    finally:
        inst.close()
    imp = report.imported
    console.print(
        f"Demo operator in {report.data_dir}: {imp.imported} customers imported "
        f"({imp.flagged} with flagged fields, {imp.rejected} rejected -> {imp.rejects_path}); "
        f"{report.cases_opened} cases opened."
    )
    console.print("[bold]Demo logins[/] (local demo only; also in demo/logins.txt):")
    lines = [
        f"  {login.organisation:<16} {login.role.value:<11} {login.email:<34} "
        f"password {login.password}"
        + (f"  TOTP secret {login.totp_secret}" if login.totp_secret else "")
        for login in report.logins
    ]
    typer.echo("\n".join(lines))
    logins_file = report.data_dir / "demo" / "logins.txt"
    logins_file.touch(mode=0o600)
    logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if serve:
        from ecluse.api import serve as serve_app

        console.print(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)")
        # plain http on the loopback for the local demo: the cookie cannot be Secure there
        serve_app(report.data_dir, host, port, secure_cookie=False)
