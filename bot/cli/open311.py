"""`yibang open311 key …`: the API keys city systems file Open311 requests with."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import fail, group, print_json, services

open311 = group("open311", "Open311 for city systems: their API keys.")
key = typer.Typer(help="API keys: add (prints the new key), list, revoke.", no_args_is_help=True)
open311.add_typer(key, name="key")


@key.command("add")
def key_add(name: Annotated[str, typer.Argument(help="Who the key is for (e.g. city-12345).")]) -> None:
    """Make a key; it is printed once, alone on stdout, and only its hash is kept."""
    from handlers.open311.keys import KeyProblem, add_key

    try:
        made = add_key(services(), name)
    except KeyProblem as exc:
        fail(str(exc), 1)
    typer.echo(made)


@key.command("list")
def key_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every key: name, its first characters, when made and last used, requests, revoked."""
    from handlers.open311.keys import list_keys

    listed = list_keys(services())
    if as_json:
        print_json(listed)
        return
    for entry in listed:
        state = f"revoked {entry['revoked_at']}" if entry["revoked_at"] else "active"
        typer.echo(f"{entry['name']:<24} {entry['prefix']}…  {entry['requests']:>7} requests  "
                   f"last used {entry['last_used_at'] or '—'}  {state}")


@key.command("revoke")
def key_revoke(name: str) -> None:
    """Refuse the key from now on (the cases it filed keep its name)."""
    from handlers.open311.keys import KeyProblem, revoke_key

    try:
        revoke_key(services(), name)
    except KeyProblem as exc:
        fail(str(exc), 1)
    typer.echo(f"{name} revoked", err=True)
