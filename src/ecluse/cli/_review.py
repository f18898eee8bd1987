"""``ecluse review``: usage alerts become cases that people decide."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ecluse.cli._app import app, console, installation
from ecluse.installation import Installation

if TYPE_CHECKING:  # the review module pulls in the analytics stack: import it only when used
    from ecluse.review import Review

review_app = typer.Typer(
    help="Usage review with a human in the loop: open cases from alerts, report on decisions.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")


def _review(inst: Installation) -> Review:
    from ecluse.cases import desk_for
    from ecluse.review import review_for

    return review_for(desk_for(inst))


@review_app.command("open")
def open_cases(
    limit: Annotated[int, typer.Option(help="At most this many alerts, most severe first.")] = 1000,
) -> None:
    """Open a usage_review case for each stored alert not yet reviewed; contact customers first."""
    from ecluse.usage import load_alerts

    with installation() as inst:
        opened = _review(inst).open_from_alerts(load_alerts(inst.engine, limit=limit))
    contacted = sum(1 for o in opened if o.contacted)
    blocks = sum(1 for o in opened if o.auto_block)
    console.print(
        f"{len(opened)} usage-review cases opened; {contacted} customers contacted; "
        f"{blocks} temporary IRSF blocks placed (lift by themselves unless reviewed)"
    )


@review_app.command("expire-blocks")
def expire_blocks() -> None:
    """Lift the automatic IRSF blocks that no person confirmed in time (run it from cron)."""
    with installation() as inst:
        lifted = _review(inst).expire_unreviewed_blocks()
    console.print(f"{len(lifted)} unreviewed automatic blocks lifted")


@review_app.command("report")
def report() -> None:
    """Alerts, time to first human look, time to decision, suspensions, reversals, restores."""
    from ecluse.review import review_report

    with installation() as inst:
        result = review_report(inst.engine)
    typer.echo("\n".join(result.lines()))
