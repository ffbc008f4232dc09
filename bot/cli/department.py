"""`yibang department …`: where each department of the taxonomy is reached (its contact points)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import fail, group, print_json, services

department = group("department", "Departments' contact points: set, list, unset.")


@department.command("set")
def department_set(
    name: Annotated[str, typer.Argument(help="A department of the taxonomy.")],
    wecom_webhook: Annotated[str | None, typer.Option("--wecom-webhook", help="A WeCom group robot's webhook URL.")]
    = None,
    telegram_chat: Annotated[str | None, typer.Option("--telegram-chat", help="A Telegram chat id the bot is in.")]
    = None,
    email: Annotated[str | None, typer.Option("--email", help="An e-mail address (needs YIBANG_SMTP_URL).")] = None,
) -> None:
    """Set where a department is told of the cases handed to it (the others it has are kept)."""
    from handlers.departments.contacts import EMAIL, TELEGRAM, WECOM, ContactRefused, set_contacts

    given = {channel: value for channel, value in ((WECOM, wecom_webhook), (TELEGRAM, telegram_chat),
                                                   (EMAIL, email)) if value is not None}
    if not given:
        fail("name at least one of --wecom-webhook, --telegram-chat, --email")
    svc = services()
    try:
        contacts = set_contacts(svc, name, given)
    except ContactRefused as refused:
        fail(str(refused))
    if EMAIL in given and not svc.settings.smtp_configured:
        typer.echo("warning: YIBANG_SMTP_URL and YIBANG_SMTP_SENDER are not set: no e-mail goes out until they are",
                   err=True)
    if TELEGRAM in given and not svc.settings.telegram_configured:
        typer.echo("warning: YIBANG_TELEGRAM_TOKEN is not set: nothing goes to the chat until it is", err=True)
    for channel, shown in contacts.items():
        typer.echo(f"{name}  {channel:<8} {shown}")


@department.command("unset")
def department_unset(
    name: str,
    channel: Annotated[str, typer.Option("--channel", help="wecom, telegram or email.")],
) -> None:
    """Stop telling a department on one channel."""
    from handlers.departments.contacts import ContactRefused, unset_contact

    try:
        removed = unset_contact(services(), name, channel)
    except ContactRefused as refused:
        fail(str(refused))
    if not removed:
        fail(f"{name} has no {channel} contact point", 1)
    typer.echo(f"{name}  {channel} removed")


@department.command("list")
def department_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False) -> None:
    """Every department with its contact points (a webhook's key shown only by its first characters)."""
    from handlers.departments.contacts import list_contacts

    listed = list_contacts(services())
    if as_json:
        print_json(listed)
        return
    for entry in listed:
        contacts = entry["contacts"]
        shown = "  ".join(f"{channel}: {value}" for channel, value in contacts.items()) or "-"
        flag = "" if entry["in_taxonomy"] else "  (not in the taxonomy)"
        typer.echo(f"{entry['department']}{flag}  {shown}")
