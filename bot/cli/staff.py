"""`yibang staff …`: who may act on cases besides the members of the staff group."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import fail, group, print_json, services

staff = group("staff", "Who may act on cases: add, remove, list.")


@staff.command("add")
def staff_add(
    who: Annotated[str, typer.Argument(help="telegram:USER_ID (a bare id means Telegram).")],
    role: Annotated[str, typer.Option(help="handler or supervisor.")] = "handler",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Allow someone to act on cases."""
    from handlers.staff.directory import ROLES, add_staff

    if role not in ROLES:
        fail(f"role must be one of: {', '.join(ROLES)}")
    typer.echo(f"{add_staff(services(), who, role, name)} is now {role}")


@staff.command("remove")
def staff_remove(who: str) -> None:
    """Take someone's right to act away (those listed in the settings stay until removed there)."""
    from handlers.staff.directory import remove_staff

    person, removed = remove_staff(services(), who)
    if not removed:
        fail(f"{person} was not in the staff list", 1)
    typer.echo(f"{person} removed")


@staff.command("list")
def staff_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Everyone who may act, from the settings and the database."""
    from handlers.staff.directory import list_staff

    listed = list_staff(services())
    if as_json:
        print_json(listed)
        return
    for member in listed:
        typer.echo(f"{member['who']:<24} {member['role']:<11} {member['source']:<9} {member['name']}")
