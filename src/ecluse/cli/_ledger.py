"""``ecluse ledger ...``: verify the ledger, print checkpoints and proofs, audit offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ecluse.cli._app import app, console, err_console, installation
from ecluse.errors import InputError
from ecluse.ledger import (
    ConsistencyProof,
    SignedCheckpoint,
    key_id,
    ledger_for,
    load_proof,
    load_public_key,
    public_key_text,
    verify_checkpoint,
)

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The tamper-evident ledger: verify it, publish checkpoints, prove entries.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@ledger_app.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Recompute every entry, the Merkle tree and every checkpoint; exit 1 if anything is off."""
    with installation() as inst:
        led = ledger_for(inst)
        with Progress(
            TextColumn("verifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("verify", total=None)
            report = led.verify(lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        _print_json(report.to_json())
    elif report.ok:
        console.print(
            f"ledger intact: {report.entries_checked:,} entries, "
            f"{report.checkpoints_checked:,} checkpoints, root {report.root_hash.hex()}"
        )
    else:
        first = report.problems[0]
        typer.echo(f"ledger TAMPERED: first bad entry {first.index}: {first.what}", err=True)
        for p in report.problems[1:10]:
            typer.echo(f"  also entry {p.index}: {p.what}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command()
def checkpoint(
    new: Annotated[bool, typer.Option("--new", help="Sign a checkpoint of the tree now.")] = False,
) -> None:
    """Print the latest signed checkpoint as JSON, to publish or hand to an auditor."""
    with installation() as inst:
        led = ledger_for(inst)
        cp = led.checkpoint() if new else led.latest_checkpoint()
    if cp is None:
        raise InputError("no checkpoint yet: run 'ecluse ledger checkpoint --new'")
    typer.echo(cp.dumps())


@ledger_app.command("public-key")
def public_key() -> None:
    """Print the checkpoint signing public key (base64, raw Ed25519) for auditors."""
    with installation() as inst:
        pub = inst.keyring.verify_key
    _print_json({"key_id": key_id(pub), "public_key": public_key_text(pub)})


@ledger_app.command()
def show(
    kind: Annotated[str | None, typer.Option(help="Only entries of this kind.")] = None,
    subject: Annotated[
        str | None, typer.Option(help="Only this customer (pseudonymous id).")
    ] = None,
    case: Annotated[str | None, typer.Option(help="Only this case id.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="The newest N matching entries.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Show the newest entries, optionally filtered."""
    with installation() as inst:
        found = ledger_for(inst).entries(
            kind=kind, subject=subject, case_id=case, actor=actor, limit=limit, newest_first=True
        )
    found.reverse()
    if as_json:
        for e in found:
            typer.echo(json.dumps(e.to_json(), ensure_ascii=False))
        return
    table = Table("#", "time (UTC)", "kind", "actor", "subject", "case", "details")
    for e in found:
        table.add_row(
            str(e.index),
            e.time.strftime("%Y-%m-%d %H:%M:%S"),
            e.kind,
            e.actor,
            e.subject or "",
            e.case_id or "",
            json.dumps(e.details, ensure_ascii=False, sort_keys=True),
        )
    console.print(table)


@ledger_app.command()
def prove(
    size: Annotated[
        int | None, typer.Option(min=0, help="Tree size (default: the current size).")
    ] = None,
    index: Annotated[
        int | None, typer.Option(min=0, help="Inclusion proof for the entry at this index.")
    ] = None,
    old: Annotated[
        int | None, typer.Option(min=0, help="Consistency proof from this older tree size.")
    ] = None,
) -> None:
    """Print an inclusion proof (--index) or a consistency proof (--old) as JSON."""
    if (index is None) == (old is None):
        raise InputError("give exactly one of --index or --old")
    with installation() as inst:
        led = ledger_for(inst)
        proof = (
            led.inclusion_proof(index, size)
            if index is not None
            else led.consistency_proof(old or 0, size)
        )
    _print_json(proof.to_json())


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} ({type(exc).__name__})", where=str(path)) from None


@ledger_app.command("verify-checkpoint")
def verify_checkpoint_cmd(
    file: Annotated[Path, typer.Argument(help="Checkpoint JSON (from 'ledger checkpoint').")],
    public_key: Annotated[
        str, typer.Option(help="Signer's public key: base64 text, or a file holding it / its JSON.")
    ],
    previous: Annotated[
        Path | None, typer.Option(help="An older checkpoint the log must have grown from.")
    ] = None,
    proof: Annotated[
        Path | None, typer.Option(help="Inclusion or consistency proof JSON ('ledger prove').")
    ] = None,
) -> None:
    """Audit offline: check a checkpoint's signature, and optionally a proof against it.

    Needs no installation: only the files and the public key.
    """
    key_text = public_key
    key_path = Path(public_key)
    if key_path.is_file():
        key_text = _read(key_path, "public key")
        if key_text.lstrip().startswith("{"):
            try:
                key_text = str(json.loads(key_text).get("public_key", ""))
            except (json.JSONDecodeError, AttributeError):
                raise InputError("not a public key JSON", where=str(key_path)) from None
    pub = load_public_key(key_text, where="--public-key")
    cp = SignedCheckpoint.loads(_read(file, "checkpoint"), where=str(file))
    failures: list[str] = []
    if not verify_checkpoint(cp, pub):
        failures.append(f"{file}: signature does not verify under key {key_id(pub)}")
    old = None
    if previous is not None:
        old = SignedCheckpoint.loads(_read(previous, "checkpoint"), where=str(previous))
        if not verify_checkpoint(old, pub):
            failures.append(f"{previous}: signature does not verify under key {key_id(pub)}")
    if proof is not None:
        pr = load_proof(_read(proof, "proof"), where=str(proof))
        if isinstance(pr, ConsistencyProof):
            if old is None:
                raise InputError("a consistency proof needs --previous", where=str(proof))
            if (pr.old_size, pr.new_size) != (old.tree_size, cp.tree_size):
                failures.append(f"{proof}: proof is for sizes {pr.old_size}->{pr.new_size}")
            elif not pr.verify(old.root_hash, cp.root_hash):
                failures.append(f"{proof}: the log did NOT only grow from {previous} to {file}")
        elif pr.tree_size != cp.tree_size:
            failures.append(f"{proof}: proof is for tree size {pr.tree_size}, not {cp.tree_size}")
        elif not pr.verify(cp.root_hash):
            failures.append(f"{proof}: entry {pr.index} is NOT in the tree of {file}")
    if failures:
        for f in failures:
            typer.echo(f"FAIL {f}", err=True)
        raise typer.Exit(1)
    console.print(f"OK checkpoint of size {cp.tree_size:,} signed by {cp.key_id}")
    if proof is not None:
        console.print(f"OK proof {proof} verifies")
