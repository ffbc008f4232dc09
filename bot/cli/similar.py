"""`yibang case similar|merge-similar|reindex-similar`: similar cases from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.app import fail, print_json, services
from bot.cli.case import act, case


@case.command("similar")
def case_similar(
    number: str,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array (number, score, status, district).")] = False,
) -> None:
    """The open (or lately closed) cases of the same district and place telling the same problem, best first."""
    from handlers.cases.similar import similar_cases

    found = similar_cases(services(), number)
    if found is None:
        fail(f"no case {number}", 1)
    if as_json:
        print_json(found)
        return
    for match in found:
        typer.echo(f"{match['number']}  {match['score']:.3f}  {match['status']:<12}  {match['district'] or '-'}")


@case.command("merge-similar")
def case_merge_similar(number: str) -> None:
    """Merge the whole group of similar cases NUMBER is in into its representative (the oldest open case)."""
    from handlers.cases.merging import merge_group

    act(number, merge_group)


@case.command("reindex-similar")
def case_reindex_similar() -> None:
    """Put cases filed before the similar-case index existed into it; prints how many."""
    from handlers.cases.similar import reindex

    typer.echo(reindex(services()))
