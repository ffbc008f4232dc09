"""`yibang staff …`: who may act on cases besides the members of the staff group, and the web console's
accounts (`web:USERNAME`) with their passwords."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from bot.cli.app import fail, group, print_json, services

staff = group("staff", "Who may act on cases: add, remove, list; console accounts and their passwords.")
WEB_PREFIX = "web:"


@staff.command("add")
def staff_add(
    who: Annotated[str, typer.Argument(help="telegram:USER_ID (a bare id means Telegram), or web:USERNAME for "
                                            "a console account.")],
    role: Annotated[str, typer.Option(help="handler or supervisor.")] = "handler",
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    department: Annotated[str | None, typer.Option(
        help="Console accounts: see and work only the cases handed to this department.")] = None,
) -> None:
    """Allow someone to act on cases (a console account logs in after `yibang staff password`)."""
    from handlers.console.accounts import AccountProblem, add_account
    from handlers.staff.directory import ROLES, add_staff

    if role not in ROLES:
        fail(f"role must be one of: {', '.join(ROLES)}")
    if who.startswith(WEB_PREFIX):
        try:
            added = add_account(services(), who.removeprefix(WEB_PREFIX), role, name, department)
        except AccountProblem as problem:
            fail(str(problem))
        scope = f" of {department}" if department else ""
        typer.echo(f"{added} is now {role}{scope}; set a password with `yibang staff password {added}`")
        return
    if department is not None:
        fail("--department is for console accounts (web:USERNAME)")
    typer.echo(f"{add_staff(services(), who, role, name)} is now {role}")


@staff.command("password")
def staff_password(who: Annotated[str, typer.Argument(help="web:USERNAME")]) -> None:
    """A console account's new password, read from stdin (one line; on a terminal asked twice, not shown).
    The account's open sessions end and a lockout is lifted."""
    from handlers.console.accounts import AccountProblem, set_password

    if not who.startswith(WEB_PREFIX):
        fail("passwords are for console accounts: web:USERNAME")
    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            fail("the two passwords differ; nothing changed")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        set_password(services(), who.removeprefix(WEB_PREFIX), password)
    except AccountProblem as problem:
        fail(str(problem))
    typer.echo(f"password set for {who}")


@staff.command("remove")
def staff_remove(who: str) -> None:
    """Take someone's right to act away (those listed in the settings stay until removed there). A console
    account's sessions end with it."""
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
        typer.echo(f"{member['who']:<24} {member['role']:<11} {member['source']:<9} {member['name']} "
                   f"{member['department']}".rstrip())
