"""`yibang case …`: staff work on cases from the terminal, through the same steps as the staff group.

The person at the terminal holds the database and the key already, so they act as a supervisor,
recorded as `cli:<login>`.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.app import fail, group, print_json, services

if TYPE_CHECKING:
    from handlers.cases.actions import Actor, Step

case = group("case", "Staff work on cases: list, show, assign, note, resolve, …")


def cli_actor() -> Actor:
    from handlers.cases.actions import SUPERVISOR, Actor

    return Actor(key=f"cli:{getpass.getuser()}", role=SUPERVISOR)


def act(number: str, step: Step) -> None:
    """One staff step on a case; a refusal changes nothing and exits 1."""
    from handlers.cases.actions import act as take

    typer.echo(take(services(), cli_actor(), number, step))


@case.command("list")
def case_list(as_json: Annotated[bool, typer.Option("--json", help="One JSON array of every case.")] = False) -> None:
    """Every case in every status, oldest first."""
    from handlers.cases.view import list_cases

    views = list_cases(services())
    if as_json:
        print_json(views)
        return
    for view in views:
        typer.echo(
            f"{view['number']}  {view['status_label']:<4}  {view['urgency']}  {view['category']:<6}  "
            f"{view['district'] or '-':<6}  {view['problem'][:40]}"
        )


@case.command("show")
def case_show(
    number: str,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """One case with its timeline."""
    from handlers.cases.view import show_case

    view = show_case(services(), number)
    if view is None:
        fail(f"no case {number}", 1)
    if as_json:
        print_json(view)
        return
    for key, value in view.items():
        if key not in ("timeline", "evidence"):
            typer.echo(f"{key}: {value if value is not None else '-'}")
    typer.echo("timeline:")
    for event in view["timeline"]:
        flag = "public" if event["public"] else "internal"
        typer.echo(f"  {event['at']}  {event['kind']:<10} {flag:<8} {event['actor']}  {event['text'] or ''}")


@case.command("files")
def case_files(
    number: str,
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
) -> None:
    """The case's photos and files as kept (metadata removed), written to --out; prints their paths as a
    JSON array. The timeline records who took them."""
    from handlers.attachments.viewing import case_files as files_of

    found = files_of(services(), cli_actor(), number)
    if found is None:
        fail(f"no case {number}", 1)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file in found:
        path = out / file.filename
        path.write_bytes(file.data)
        written.append(str(path))
    print_json(written)


@case.command("contacted")
def case_contacted(number: str) -> None:
    """已联系: the citizen was contacted (meets the contact deadline)."""
    act(number, lambda desk, case: desk.contacted(case))


@case.command("assign")
def case_assign(number: str, department: Annotated[str, typer.Option(help="A configured department.")]) -> None:
    """交办: hand the case to a department."""
    act(number, lambda desk, case: desk.assign(case, department))


@case.command("accept")
def case_accept(number: str) -> None:
    """签收: the department takes the case (已交办 → 办理中); the citizen is told."""
    from handlers.departments.workflow import accept

    act(number, accept)


@case.command("return")
def case_return(number: str, reason: Annotated[str, typer.Option(help="Why it is not the department's.")]) -> None:
    """退回: the department hands the case back to the queue (已受理), with the reason; staff are told."""
    from handlers.departments.workflow import hand_back

    act(number, lambda desk, case: hand_back(desk, case, reason))


@case.command("note")
def case_note(
    number: str,
    text: Annotated[str, typer.Option(help="What the citizen (or, with --internal, only staff) reads.")],
    internal: Annotated[bool, typer.Option("--internal", help="A note for staff only.")] = False,
) -> None:
    """回复: a public note to the citizen (moves an 已交办 case to 办理中), or an internal note."""
    act(number, lambda desk, case: desk.note(case, text, internal=internal))


@case.command("resolve")
def case_resolve(number: str, result: Annotated[str, typer.Option(help="The result, told to the citizen.")]) -> None:
    """办结: the case is solved; the citizen is told the result."""
    act(number, lambda desk, case: desk.resolve(case, result))


@case.command("reopen")
def case_reopen(number: str, reason: Annotated[str, typer.Option(help="Why it is worked again.")]) -> None:
    """Reopen a resolved case (办理中)."""
    act(number, lambda desk, case: desk.reopen(case, reason))


@case.command("merge")
def case_merge(number: str, into: Annotated[str, typer.Option(help="The surviving case number.")]) -> None:
    """合并: merge into another case; the citizen follows that case."""
    act(number, lambda desk, case: desk.merge(case, into))


@case.command("reject")
def case_reject(number: str, reason: Annotated[str, typer.Option(help="Why, told to the citizen.")]) -> None:
    """无效: the case cannot be taken up."""
    act(number, lambda desk, case: desk.reject(case, reason))


@case.command("recategorise")
def case_recategorise(number: str, category: Annotated[str, typer.Option(help="The right category.")]) -> None:
    """Correct the classifier's category (recorded for the next `learn`)."""
    act(number, lambda desk, case: desk.recategorise(case, category))


@case.command("urgency")
def case_urgency(
    number: str, level: Annotated[str, typer.Option(help="The taxonomy's urgent or normal level, as it names them.")]
) -> None:
    """Correct the classifier's urgency (recorded for the next `learn`; sets the resolve deadline)."""

    def change(desk: Any, case: Any) -> str:
        from handlers.cases.actions import ActionRefused

        urgency = desk.services.taxonomy.urgency
        if level not in (urgency.urgent, urgency.normal):
            raise ActionRefused(f"level must be one of: {urgency.urgent}, {urgency.normal}")
        return desk.set_urgency(case, level == urgency.urgent)

    act(number, change)
