"""`yibang faq ask|eval`: the instant answers' matcher, asked one question or measured on a labelled set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import group, print_json, settings
from bot.cli.classifier import read_rows

faq = group("faq", "Instant answers from the knowledge base (YIBANG_KNOWLEDGE_BASE).")

BaseOption = Annotated[
    Path | None, typer.Option("--base", help="A knowledge base YAML (default: YIBANG_KNOWLEDGE_BASE).")
]


def _matcher(base: Path | None):
    from classifier.faq import get_faq_matcher

    return get_faq_matcher(base or settings().knowledge_base)


@faq.command()
def ask(
    text: Annotated[str, typer.Argument(help="A citizen's question.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object: entry, answer, score, question.")] = False,
    base: BaseOption = None,
) -> None:
    """The entry the bot would answer TEXT with (or that nothing fits)."""
    match = _matcher(base).match(text)
    if as_json:
        print_json(
            {
                "entry": match.entry.id if match.entry else None,
                "answer": match.entry.answer if match.entry else None,
                "score": match.score,
                "question": match.question,
            }
        )
        return
    if match.entry is None:
        typer.echo(f"(no entry fits; closest: {match.best.id if match.best else '-'} {match.score})")
        return
    typer.echo(f"{match.entry.id} {match.score} ({match.question})\n{match.entry.answer}")


@faq.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help="CSV with text,entry (entry empty when not covered); optional kb.")],
    base: BaseOption = None,
) -> None:
    """The measures on a labelled set, as JSON (top-1 accuracy on covered rows, uncovered answered)."""
    from classifier.faq_eval import evaluate_faq

    path = base or settings().knowledge_base
    print_json(evaluate_faq(_matcher(path), read_rows(file), kb=Path(path).stem))
